package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.testkit.FakeMonitor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor link turned by hand on a {@link ManualEpochClock} against a fake monitor over loopback: no runner thread,
 * so every timer (heartbeats, the monitor's silence, back-off) moves only when the test moves the clock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MonitorLinkTurnTest {
    private static final byte[] SECRET = "monitor-link-turn-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 44;
    private static final byte[] KEY = GatewayKeys.derive(SECRET, GATEWAY_ID);
    private static final long HEARTBEAT_MILLIS = 200;
    private static final long BACKOFF_MIN_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 500;
    /** Turns a wait may take: each blocks in a read for at most a tenth of a second. */
    private static final int MAX_TURNS = 300;

    @TempDir
    Path dir;

    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);

    @Test
    void aTurnConnectsAPollIsReportedAThrottleSetAppliedAndTheLimitsOutliveTheMonitor() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        Tools.emptyFile(dir, "b.img", 1 << 20);
        FakeMonitor monitor = FakeMonitor.forKey(KEY, 0);
        int port = monitor.port();
        try (Gateway gateway = Gateway.start(
                        GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img"), "b=" + dir.resolve("b.img")));
                MonitorLink link = new MonitorLink(config(port), gateway, clock)) {
            assertThat(monitor.hellos.get())
                    .as("the constructor starts nothing")
                    .isZero();

            turnUntil(link, () -> link.state() == LinkState.IN_SESSION && monitor.inSession());
            assertThat(monitor.hellos.get()).isEqualTo(1);
            assertThat(monitor.volumeLists.getFirst())
                    .extracting(FakeMonitor.Volume::id, FakeMonitor.Volume::name)
                    .containsExactly(Tuple.tuple(1, "a"), Tuple.tuple(2, "b"));

            long poll = monitor.pollAll();
            turnUntil(link, () -> monitor.reports.size() == 1);
            assertThat(monitor.reports.getFirst().pollSequence()).isEqualTo(poll);
            assertThat(monitor.reports.getFirst().reportSequence()).isEqualTo(1);

            monitor.throttleVolume(7, 1, 10, 500);
            turnUntil(link, () -> monitor.acks.size() == 1);
            assertThat(monitor.acks.getFirst()).isEqualTo(new FakeMonitor.Ack(7, 1, ThrottleAckStatus.APPLIED, 10));
            QosSetting applied = gateway.qos().current("a");
            assertThat(applied.version()).isEqualTo(10);
            assertThat(applied.parameters().iops().rate()).isEqualTo(500);

            // The monitor goes: every attempt fails and backs off, and the limits stay what they were.
            monitor.close();
            turnUntil(link, () -> link.state() == LinkState.BACKING_OFF);
            for (int attempt = 2; attempt <= 4; attempt++) {
                clock.advance(BACKOFF_MAX_MILLIS);
                int expected = attempt;
                turnUntil(link, () -> link.status().connectFailures() == expected);
                assertThat(link.state()).isEqualTo(LinkState.BACKING_OFF);
            }
            assertThat(gateway.qos().current("a")).isEqualTo(applied);
            assertThat(link.status().lastError()).isNotNull();

            // Back on the same port: the next attempt after the back-off opens a session, the report sequence goes on.
            try (FakeMonitor back = FakeMonitor.forKey(KEY, port)) {
                clock.advance(BACKOFF_MAX_MILLIS);
                turnUntil(link, () -> link.state() == LinkState.IN_SESSION && back.inSession());
                back.pollAll();
                turnUntil(link, () -> back.reports.size() == 1);
                assertThat(back.reports.getFirst().reportSequence()).isEqualTo(2);
                assertThat(link.status().sessions()).isEqualTo(2);
                assertThat(link.status().lastError()).isNull();
            }
        } finally {
            monitor.close();
        }
    }

    @Test
    void answeredHeartbeatsHoldTheSessionAndASilentMonitorIsLeftAndReconnectedTo() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor monitor = FakeMonitor.forKey(KEY, 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                MonitorLink link = new MonitorLink(config(monitor.port()), gateway, clock)) {
            turnUntil(link, () -> link.state() == LinkState.IN_SESSION);
            // A heartbeat a round, each answered; the answer is read within a round, so the monitor was last heard
            // from at most two rounds ago, well within the silence limit.
            // Four of the fake monitor's poll intervals (1 s), more than three heartbeats.
            long silenceLimit = 4 * 1_000;
            int rounds = (int) (2 * silenceLimit / HEARTBEAT_MILLIS);
            for (int round = 1; round <= rounds; round++) {
                clock.advance(HEARTBEAT_MILLIS);
                int expected = round;
                turnUntil(link, () -> monitor.heartbeats.get() == expected);
            }
            assertThat(link.status().sessions())
                    .as("heartbeats answered: the session holds")
                    .isEqualTo(1);
            assertThat(link.status().connectFailures()).isZero();

            monitor.silent(true);
            long silentFrom = clock.epochMillis();
            while (link.state() == LinkState.IN_SESSION) {
                clock.advance(HEARTBEAT_MILLIS);
                link.doWork(clock.epochMillis());
                assertThat(clock.epochMillis() - silentFrom)
                        .as("left once silent for longer than the limit")
                        .isLessThanOrEqualTo(silenceLimit + 2 * HEARTBEAT_MILLIS);
            }
            assertThat(link.status().lastError()).contains("silent");
            assertThat(link.status().connectFailures()).isEqualTo(1);
            clock.advance(BACKOFF_MAX_MILLIS);
            turnUntil(link, () -> link.status().sessions() == 2);
        }
    }

    private static MonitorLinkConfig config(int port) {
        return MonitorLinkConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), GATEWAY_ID, KEY)
                .withTimings(HEARTBEAT_MILLIS, BACKOFF_MIN_MILLIS, BACKOFF_MAX_MILLIS);
    }

    private void turnUntil(MonitorLink link, BooleanSupplier done) {
        turnUntil(link, clock, done);
    }

    /** Turns the link at the clock's time, which stays put, until {@code done}. */
    static void turnUntil(MonitorLink link, ManualEpochClock clock, BooleanSupplier done) {
        for (int turn = 0; !done.getAsBoolean(); turn++) {
            assertThat(turn).as("turns so far; " + link.status()).isLessThan(MAX_TURNS);
            link.doWork(clock.epochMillis());
        }
    }
}
