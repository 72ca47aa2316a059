package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.RequestHandler;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The services built and never started, their loop turned by hand on this test's thread with a manual clock: a
 * constructor starts nothing, and one turn takes a report and a query from the real mailboxes and answers both.
 */
class ServicesLoopTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final ValueLayout.OfLong BIG_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private final Path dir = Path.of("/dev/shm");
    private final String name = "sluice-svc-loop-" + ProcessHandle.current().pid();

    @AfterEach
    void removeMailboxes() throws Exception {
        ServicesMailboxFiles.remove(dir, name);
    }

    @Test
    void oneTurnTakesAReportAndAQueryAndAnswersBoth() throws Exception {
        try (ServicesDaemon daemon = new ServicesDaemon(
                        file(ServerMailboxes.SERVICES_SUFFIX),
                        file(ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                        file(ServerMailboxes.MONITOR_SUFFIX),
                        null,
                        new ServicesConfig(List.of(), List.of(), List.of()),
                        1_000,
                        clock);
                Mailbox servicesBox = Mailbox.open(file(ServerMailboxes.SERVICES_SUFFIX), clock);
                MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR);
                Mailbox queriesBox = Mailbox.open(file(ServerMailboxes.SERVICES_QUERIES_SUFFIX), clock);
                MailboxCaller web = MailboxCaller.attach(queriesBox, ServerMailboxes.CALLER_WEB)) {
            assertThat(daemon.doWork())
                    .as("nothing posted yet; the first interval asks the monitor for a sweep")
                    .isEqualTo(1);

            assertThat(monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, 0, 1, report(21, 101)))
                    .isPositive();
            assertThat(web.call(
                            MailboxOpcodes.SERVICES_JSON,
                            0,
                            2,
                            "{\"op\": \"status\"}".getBytes(StandardCharsets.UTF_8)))
                    .isPositive();
            assertThat(daemon.reports())
                    .as("not started: nothing took the report")
                    .isZero();

            assertThat(daemon.doWork()).isGreaterThanOrEqualTo(2);
            assertThat(daemon.reports()).isEqualTo(1);
            assertThat(daemon.queriesServed()).isEqualTo(1);
            List<Integer> statuses = new ArrayList<>();
            assertThat(monitor.pollReplies(reply -> statuses.add(reply.status()), 8))
                    .isEqualTo(1);
            assertThat(web.pollReplies(reply -> statuses.add(reply.status()), 8))
                    .isEqualTo(1);
            assertThat(statuses)
                    .as("the report answered at once (no database to hold it for), the query answered")
                    .containsExactly(MailboxStatus.OK, CallStatus.OK);
        }
    }

    @Test
    void eachIntervalAsksTheMonitorForOneSweepAndDoesNotPileUpRequestsTheMonitorLeavesUnanswered() throws Exception {
        try (ServicesDaemon daemon = new ServicesDaemon(
                        file(ServerMailboxes.SERVICES_SUFFIX),
                        file(ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                        file(ServerMailboxes.MONITOR_SUFFIX),
                        null,
                        new ServicesConfig(List.of(), List.of(), List.of()),
                        1_000,
                        clock);
                Mailbox monitorBox = Mailbox.open(file(ServerMailboxes.MONITOR_SUFFIX), clock)) {
            MailboxCallee monitor = MailboxCallee.attach(monitorBox);
            List<Long> asked = new ArrayList<>();
            RequestHandler answer = request -> {
                assertThat(request.opcode()).isEqualTo(MailboxOpcodes.MONITOR_POLL_NOW);
                asked.add(request.params().get(BIG_LONG, 0));
                request.reply(MailboxStatus.OK, 0);
            };
            daemon.doWork();
            assertThat(monitor.poll(answer, 16))
                    .as("the first interval starts with the first turn")
                    .isEqualTo(1);
            assertThat(asked).as("the request names the services' interval").containsExactly(1_000L);
            daemon.doWork();
            daemon.doWork();
            assertThat(monitor.poll(answer, 16))
                    .as("one request an interval, however many turns")
                    .isZero();

            for (int interval = 0; interval < 3; interval++) {
                clock.advance(1_000);
                daemon.doWork();
                assertThat(monitor.poll(answer, 16)).isEqualTo(1);
                daemon.doWork();
            }
            assertThat(daemon.pollsRequested()).isEqualTo(4);

            // The monitor stops taking calls: the request waiting is not joined by one an interval.
            clock.advance(1_000);
            daemon.doWork();
            for (int interval = 0; interval < 3; interval++) {
                clock.advance(1_000);
                daemon.doWork();
            }
            assertThat(daemon.pollRequestsUnanswered()).isEqualTo(3);
            assertThat(monitor.poll(answer, 16))
                    .as("the monitor back: one sweep, not four")
                    .isEqualTo(1);
            daemon.doWork();
            clock.advance(1_000);
            daemon.doWork();
            assertThat(monitor.poll(answer, 16))
                    .as("answered: the next interval asks again")
                    .isEqualTo(1);
            assertThat(daemon.pollsRequested()).isEqualTo(6);
            assertThat(daemon.pollRequestsUnanswered()).isEqualTo(3);
            monitor.close();
        }
    }

    private Path file(String suffix) {
        return ServerMailboxes.file(dir, name, suffix);
    }

    /** A one-volume STATS frame. */
    private static byte[] report(long gateway, int volumeId) {
        byte[] frame = new byte[StatsDescriptor.frameLength(1)];
        StatsWriter writer = new StatsWriter();
        assertThat(writer.begin(ByteBuffer.wrap(frame), 1, gateway, false, 1, 1, T0, 1_000, 1))
                .isTrue();
        writer.volume(0)
                .volumeId(volumeId)
                .capacityBytes(1L << 30)
                .usedBytes(1L << 20)
                .ops(IoDirection.READ, 100)
                .bytes(IoDirection.READ, 409_600);
        writer.commit();
        return frame;
    }
}
