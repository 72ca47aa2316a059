package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * THROTTLE_SET and STATS between one simulated gateway (two volumes, 2,000 IOPS each) and the fake monitor. The
 * simulator runs on a manual clock, moved one second before each poll, so each report covers exactly one second
 * whatever the machine's speed.
 */
class ThrottleOverTheWireTest {
    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);

    @Test
    void setsAreAppliedOnceByVersionAndShapeTheNextReports() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim =
                        Simulator.start(TestSims.quick(monitor.address(), 1).build(), clock)) {
            long id = sim.gatewayId(0);
            awaitSession(sim, 1);
            FakeMonitor.Seen seen = monitor.seen(id);
            assertThat(sim.ackedEpochs()).as("no set acknowledged yet").containsExactly(-1L);

            assertThat(ack(monitor, seen, id, 5, 300, 1)).containsExactly(ThrottleAckStatus.APPLIED);
            assertThat(sim.ackedEpochs())
                    .as("the fake monitor is a server on its own: epoch 0")
                    .containsExactly(0L);
            assertThat(ack(monitor, seen, id, 5, 900, 1)).containsExactly(ThrottleAckStatus.ALREADY_APPLIED);
            assertThat(ack(monitor, seen, id, 3, 900, 1)).containsExactly(ThrottleAckStatus.STALE);
            assertThat(ack(monitor, seen, id, 6, 300, 1, 99))
                    .containsExactly(ThrottleAckStatus.APPLIED, ThrottleAckStatus.UNKNOWN_VOLUME);

            pollAndWait(monitor);
            pollAndWait(monitor);
            assertThat(seen.lastThrottleVersion).containsEntry(1, 6L).containsEntry(2, 0L);
            assertThat(seen.lastRate.get(1)).isBetween(298.0, 300.0);
            assertThat(seen.lastRate.get(2)).isGreaterThan(1_500.0);
            assertThat(seen.lastThrottledNanos.get(1)).isPositive();
            assertThat(seen.lastThrottledNanos.get(2)).isZero();

            SimCounts counts = sim.snapshot().total();
            assertThat(counts.throttleSetsReceived()).isEqualTo(4);
            assertThat(counts.throttleSetsAcked()).isEqualTo(4);
            assertThat(counts.get(SimCounter.THROTTLE_VOLUMES_APPLIED)).isEqualTo(2);
            assertThat(sim.olderEpochAcks()).isZero();
        }
    }

    @Test
    void reportSequenceAndLimitsSurviveAReconnect() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim =
                        Simulator.start(TestSims.quick(monitor.address(), 1).build(), clock)) {
            long id = sim.gatewayId(0);
            awaitSession(sim, 1);
            FakeMonitor.Seen seen = monitor.seen(id);
            ack(monitor, seen, id, 1, 400, 1, 2);
            pollAndWait(monitor);
            pollAndWait(monitor);

            monitor.dropAll();
            assertThat(sim.awaitCondition(s -> s.total().get(SimCounter.CONNECTIONS_LOST) == 1, Duration.ofSeconds(20)))
                    .isTrue();
            clock.advance(TestSims.QUICK.backoffMaxMillis());
            assertThat(sim.awaitCondition(
                            s -> s.total().reconnects() == 1 && s.total().inSession() == 1, Duration.ofSeconds(20)))
                    .isTrue();
            pollAndWait(monitor);
            pollAndWait(monitor);

            assertThat(seen.lastReportSequence).hasValue(4);
            assertThat(seen.reportSequenceBreaks).hasValue(0);
            assertThat(seen.lastThrottleVersion).containsEntry(1, 1L).containsEntry(2, 1L);
            assertThat(seen.lastRate.values())
                    .allSatisfy(rate -> assertThat(rate).isBetween(398.0, 400.0));
            SimCounts counts = sim.snapshot().total();
            assertThat(counts.get(SimCounter.CONNECTIONS_LOST)).isEqualTo(1);
            assertThat(counts.get(SimCounter.SESSIONS_ENDED)).isEqualTo(1);
            assertThat(counts.authAccepted()).isEqualTo(2);
        }
    }

    private static List<ThrottleAckStatus> ack(
            FakeMonitor monitor, FakeMonitor.Seen seen, long gatewayId, long version, long iops, int... volumes)
            throws InterruptedException {
        long command = monitor.throttle(gatewayId, version, iops, volumes);
        Await.until("ack of command " + command, 20_000, () -> seen.acksByCommand.containsKey(command));
        return seen.acksByCommand.get(command);
    }

    private void pollAndWait(FakeMonitor monitor) throws InterruptedException {
        clock.advance(1_000);
        long poll = monitor.pollAll();
        Await.until("answer to poll " + poll, 20_000, () -> monitor.answers(poll) == 1);
    }

    private static void awaitSession(Simulator sim, int sessions) {
        assertThat(sim.awaitCondition(s -> s.total().inSession() == sessions, Duration.ofSeconds(20)))
                .isTrue();
    }
}
