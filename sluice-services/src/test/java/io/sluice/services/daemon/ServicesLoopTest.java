package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The services built and never started, their loop turned by hand on this test's thread with a manual clock:
 * a constructor starts nothing, and one turn takes a report and a query from the real mailboxes and answers both.
 */
class ServicesLoopTest {
    private static final long T0 = 1_800_000_000_000L;
    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private final Path dir = Path.of("/dev/shm");
    private final String name = "sluice-svc-loop-" + ProcessHandle.current().pid();

    @AfterEach
    void removeMailboxes() throws Exception {
        for (String suffix : List.of(ServerMailboxes.SERVICES_SUFFIX, ServerMailboxes.SERVICES_QUERIES_SUFFIX,
                ServerMailboxes.MONITOR_SUFFIX)) {
            Files.deleteIfExists(file(suffix));
        }
        Files.deleteIfExists(ServerMailboxes.directory(dir, name));
    }

    @Test
    void oneTurnTakesAReportAndAQueryAndAnswersBoth() throws Exception {
        try (ServicesDaemon daemon = new ServicesDaemon(file(ServerMailboxes.SERVICES_SUFFIX),
                file(ServerMailboxes.SERVICES_QUERIES_SUFFIX), file(ServerMailboxes.MONITOR_SUFFIX), null,
                new ServicesConfig(List.of(), List.of(), List.of()), 1_000, clock);
             Mailbox servicesBox = Mailbox.open(file(ServerMailboxes.SERVICES_SUFFIX), clock);
             MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR);
             Mailbox queriesBox = Mailbox.open(file(ServerMailboxes.SERVICES_QUERIES_SUFFIX), clock);
             MailboxCaller web = MailboxCaller.attach(queriesBox, ServerMailboxes.CALLER_WEB)) {
            assertThat(daemon.doWork()).as("nothing posted yet").isZero();

            assertThat(monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, 0, 1, report(21, 101))).isPositive();
            assertThat(web.call(MailboxOpcodes.SERVICES_JSON, 0, 2, "{\"op\": \"status\"}".getBytes(StandardCharsets.UTF_8)))
                    .isPositive();
            assertThat(daemon.reports()).as("not started: nothing took the report").isZero();

            assertThat(daemon.doWork()).isGreaterThanOrEqualTo(2);
            assertThat(daemon.reports()).isEqualTo(1);
            assertThat(daemon.queriesServed()).isEqualTo(1);
            List<Integer> statuses = new ArrayList<>();
            assertThat(monitor.pollReplies(reply -> statuses.add(reply.status()), 8)).isEqualTo(1);
            assertThat(web.pollReplies(reply -> statuses.add(reply.status()), 8)).isEqualTo(1);
            assertThat(statuses).as("the report answered at once (no database to hold it for), the query answered")
                    .containsExactly(MailboxStatus.OK, CallStatus.OK);
        }
    }

    private Path file(String suffix) {
        return ServerMailboxes.file(dir, name, suffix);
    }

    /** A one-volume STATS frame. */
    private static byte[] report(long gateway, int volumeId) {
        byte[] frame = new byte[StatsDescriptor.frameLength(1)];
        StatsWriter writer = new StatsWriter();
        assertThat(writer.begin(ByteBuffer.wrap(frame), 1, gateway, false, 1, 1, T0, 1_000, 1)).isTrue();
        writer.volume(0).volumeId(volumeId).capacityBytes(1L << 30).usedBytes(1L << 20)
                .ops(IoDirection.READ, 100).bytes(IoDirection.READ, 409_600);
        writer.commit();
        return frame;
    }
}
