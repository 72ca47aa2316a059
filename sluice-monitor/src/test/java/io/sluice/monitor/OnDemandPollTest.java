package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Polls asked for through the mailbox: one gateway's fresh statistics (MONITOR_POLL_GATEWAY) and a sweep that holds the
 * monitor's own timer off for the caller's interval (MONITOR_POLL_NOW with an interval, as the SLA services send it).
 * The monitor's own timer is a minute here, so every poll the gateway sees was asked for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OnDemandPollTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long TIMER_MILLIS = 60_000;

    private Path monitorBox;
    private Path servicesBox;
    private MonitorDaemon daemon;
    private MailboxService services;
    private MailboxClient monitorClient;
    private final Queue<Long> statsFrom = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        monitorBox = ShmNames.file("monitor");
        servicesBox = ShmNames.file("services");
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(Set.of(1L, 2L))
                .withPolling(TIMER_MILLIS, 10)
                .withPairs(1, 1);
        daemon = new MonitorDaemon(context);
        services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> {
                            if (request.opcode() == MailboxOpcodes.SERVICES_STATS_REPORT
                                    || request.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH) {
                                ServicesReports.forEach(request, stats -> statsFrom.add(stats.gatewayId()));
                            }
                            request.reply(MailboxStatus.OK, 0);
                        },
                        0,
                        "test-services")
                .start();
        monitorClient = MailboxClient.attach(Mailbox.open(monitorBox), 0);
    }

    @AfterEach
    void stop() throws Exception {
        monitorClient.close();
        daemon.close();
        services.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void oneGatewayIsPolledOnDemandAndOthersAreRefusedByType() throws Exception {
        assertThat(call(MailboxOpcodes.MONITOR_POLL_GATEWAY, id(2)))
                .as("approved, never connected")
                .isEqualTo(MailboxOpcodes.GATEWAY_NOT_IN_SESSION);
        assertThat(call(MailboxOpcodes.MONITOR_POLL_GATEWAY, id(77)))
                .as("unknown")
                .isEqualTo(MailboxOpcodes.GATEWAY_NOT_IN_SESSION);
        assertThat(call(MailboxOpcodes.MONITOR_POLL_GATEWAY, id(0))).isEqualTo(MailboxOpcodes.BAD_GATEWAY_ID);
        assertThat(call(MailboxOpcodes.MONITOR_POLL_GATEWAY, new byte[3])).isEqualTo(MailboxOpcodes.BAD_GATEWAY_ID);
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            Await.until(
                    20_000, () -> daemon.session(1) != null && daemon.session(1).inSession());
            assertThat(call(MailboxOpcodes.MONITOR_POLL_GATEWAY, id(1))).isEqualTo(MailboxStatus.OK);
            gw.expect(FrameType.POLL);
            gw.answer();
            Await.until(20_000, () -> statsFrom.contains(1L));
            assertThat(daemon.counters().gatewayPollsRequested()).isEqualTo(1);
        }
        Await.until(20_000, () -> daemon.session(1) == null);
        assertThat(call(MailboxOpcodes.MONITOR_POLL_GATEWAY, id(1)))
                .as("disconnected")
                .isEqualTo(MailboxOpcodes.GATEWAY_NOT_IN_SESSION);
    }

    @Test
    void aSweepAskedForWithAnIntervalPollsNowAndHoldsTheTimerOffForOneAndAHalfOfIt() throws Exception {
        assertThat(call(MailboxOpcodes.MONITOR_POLL_NOW, id(0)))
                .as("an interval of 0")
                .isEqualTo(MailboxStatus.BAD_REQUEST);
        assertThat(call(MailboxOpcodes.MONITOR_POLL_NOW, id(MailboxOpcodes.MAX_POLL_HOLD_MILLIS + 1)))
                .isEqualTo(MailboxStatus.BAD_REQUEST);
        assertThat(call(MailboxOpcodes.MONITOR_POLL_NOW, new byte[3])).isEqualTo(MailboxStatus.BAD_REQUEST);
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            Await.until(
                    20_000, () -> daemon.session(1) != null && daemon.session(1).inSession());
            long asked = daemon.clock().epochMillis();
            long interval = 2 * TIMER_MILLIS;
            assertThat(call(MailboxOpcodes.MONITOR_POLL_NOW, id(interval))).isEqualTo(MailboxStatus.OK);
            gw.expect(FrameType.POLL);
            gw.answer();
            Await.until(20_000, () -> statsFrom.contains(1L));
            assertThat(daemon.pollScheduler().nextSweepAt())
                    .as("the timer waits for the caller's next request")
                    .isGreaterThanOrEqualTo(asked + interval + interval / 2);

            long before = daemon.pollScheduler().nextSweepAt();
            assertThat(call(MailboxOpcodes.MONITOR_POLL_NOW, new byte[0]))
                    .as("a tool's sweep")
                    .isEqualTo(MailboxStatus.OK);
            gw.expect(FrameType.POLL);
            assertThat(daemon.pollScheduler().nextSweepAt())
                    .as("a sweep without an interval leaves the timer be")
                    .isEqualTo(before);
        }
    }

    private int call(int opcode, byte[] params) throws Exception {
        return monitorClient.call(opcode, params).get(10, TimeUnit.SECONDS).status();
    }

    private static byte[] id(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }
}
