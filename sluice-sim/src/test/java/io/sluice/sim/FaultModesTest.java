package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.FrameError;
import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Each fault mode against the fake monitor: gateway 0 misbehaves, gateways 1..3 do not, and must not notice. Timings
 * are {@link TestSims#QUICK}.
 */
class FaultModesTest {
    private static final int GATEWAYS = 4;
    private static final int HEALTHY = GATEWAYS - 1;

    @Test
    void slowGatewayAnswersEveryPollLate() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = start(monitor, FaultMode.SLOW)) {
            awaitSessions(sim, GATEWAYS);
            long poll = monitor.pollAll();
            Await.until("the slow gateway answers too", 20_000, () -> monitor.answers(poll) == GATEWAYS);

            long delay = TestSims.QUICK.slowDelayMillis();
            assertThat(monitor.seen(sim.gatewayId(0)).slowestAnswerMillis.get()).isGreaterThanOrEqualTo(delay);
            healthy(sim)
                    .forEach(id -> assertThat(
                                    monitor.seen(id).slowestAnswerMillis.get())
                            .isLessThan(delay));
            SimCounts slow = sim.snapshot().of(FaultMode.SLOW);
            assertThat(slow.pollsReceived()).isEqualTo(1);
            assertThat(slow.pollsAnswered()).isEqualTo(1);
        }
    }

    @Test
    void silentGatewayStaysConnectedAndSendsNothing() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = start(monitor, FaultMode.SILENT)) {
            awaitSessions(sim, GATEWAYS);
            long first = monitor.pollAll();
            long second = monitor.pollAll();
            long command = monitor.throttleAll(1, 100);
            Await.until(
                    "healthy gateways answer both polls and the throttle set, and heartbeat",
                    20_000,
                    () -> monitor.answers(first) == HEALTHY
                            && monitor.answers(second) == HEALTHY
                            && healthy(sim)
                                    .allMatch(id -> monitor.seen(id)
                                                    .acksByCommand
                                                    .containsKey(command)
                                            && monitor.seen(id).heartbeats.get() > 0));

            FakeMonitor.Seen silent = monitor.seen(sim.gatewayId(0));
            assertThat(silent.stats).hasValue(0);
            assertThat(silent.acks).hasValue(0);
            assertThat(silent.heartbeats).hasValue(0);
            SimSnapshot snapshot = sim.snapshot();
            assertThat(snapshot.of(FaultMode.SILENT).pollsReceived()).isEqualTo(2);
            assertThat(snapshot.of(FaultMode.SILENT).pollsAnswered()).isZero();
            assertThat(snapshot.of(FaultMode.SILENT).throttleSetsReceived()).isEqualTo(1);
            assertThat(snapshot.of(FaultMode.SILENT).throttleSetsAcked()).isZero();
            assertThat(snapshot.of(FaultMode.SILENT).inSession()).isEqualTo(1);
            assertThat(snapshot.of(FaultMode.NONE).pollsAnswered()).isEqualTo(2L * HEALTHY);
        }
    }

    @Test
    void malformedGatewaySendsEveryKindOfCorruptFrameAndReconnectsEachTime() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = start(monitor, FaultMode.MALFORMED)) {
            awaitSessions(sim, GATEWAYS);
            FakeMonitor.Seen malformed = monitor.seen(sim.gatewayId(0));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            // Each session answers one poll, then corrupts the next; the monitor closes and the gateway comes back.
            while (malformed.decodeErrors.size() < CorruptFrame.values().length && System.nanoTime() < deadline) {
                long poll = monitor.pollAll();
                Await.until("healthy gateways answer", 20_000, () -> monitor.answers(poll) >= HEALTHY);
            }
            assertThat(malformed.decodeErrors.keySet())
                    .containsExactlyInAnyOrder(
                            FrameError.OVERSIZE,
                            FrameError.WRONG_VERSION,
                            FrameError.SEQUENCE_GAP,
                            FrameError.MALFORMED,
                            FrameError.WRONG_SENDER,
                            FrameError.TRUNCATED);

            SimSnapshot snapshot = sim.snapshot();
            SimCounts faulty = snapshot.of(FaultMode.MALFORMED);
            assertThat(faulty.get(SimCounter.MALFORMED_SENT)).isGreaterThanOrEqualTo(CorruptFrame.values().length);
            assertThat(faulty.reconnects()).isGreaterThanOrEqualTo(CorruptFrame.values().length - 1);
            assertThat(faulty.authAccepted()).isEqualTo(faulty.reconnects() + 1);
            assertThat(malformed.reportSequenceBreaks).hasValue(0);
            SimCounts others = snapshot.of(FaultMode.NONE);
            assertThat(others.reconnects()).isZero();
            assertThat(others.pollsAnswered()).isEqualTo(others.pollsReceived());
            healthy(sim).forEach(id -> assertThat(monitor.seen(id).decodeErrors).isEmpty());
        }
    }

    @Test
    void disconnectingGatewayDropsItsSessionPeriodicallyAndComesBack() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = start(monitor, FaultMode.DISCONNECT)) {
            awaitSessions(sim, GATEWAYS);
            assertThat(sim.awaitCondition(s -> s.of(FaultMode.DISCONNECT).reconnects() >= 3, Duration.ofSeconds(20)))
                    .isTrue();
            // A poll may reach the gateway just as it drops its session; then the next one is answered.
            Await.until("every gateway answers one poll, the reconnected one too", 20_000, () -> {
                long poll = monitor.pollAll();
                long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
                while (monitor.answers(poll) < GATEWAYS && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                return monitor.answers(poll) == GATEWAYS;
            });

            SimSnapshot snapshot = sim.snapshot();
            SimCounts faulty = snapshot.of(FaultMode.DISCONNECT);
            assertThat(faulty.get(SimCounter.DELIBERATE_DISCONNECTS)).isGreaterThanOrEqualTo(3);
            assertThat(faulty.authAccepted()).isGreaterThanOrEqualTo(4);
            assertThat(monitor.seen(sim.gatewayId(0)).connections.get()).isGreaterThanOrEqualTo(4);
            assertThat(snapshot.of(FaultMode.NONE).reconnects()).isZero();
        }
    }

    @Test
    void wrongKeyGatewayIsRefusedAndRetriesWithBackoff() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = start(monitor, FaultMode.WRONG_KEY)) {
            assertThat(sim.awaitCondition(
                            s -> s.of(FaultMode.WRONG_KEY).authRefused() >= 3
                                    && s.of(FaultMode.NONE).inSession() == HEALTHY,
                            Duration.ofSeconds(20)))
                    .isTrue();
            long poll = monitor.pollAll();
            Await.until("healthy gateways answer", 20_000, () -> monitor.answers(poll) == HEALTHY);

            SimSnapshot snapshot = sim.snapshot();
            assertThat(snapshot.of(FaultMode.WRONG_KEY).authAccepted()).isZero();
            assertThat(snapshot.of(FaultMode.WRONG_KEY).pollsReceived()).isZero();
            FakeMonitor.Seen refused = monitor.seen(sim.gatewayId(0));
            assertThat(refused.accepted).hasValue(0);
            assertThat(refused.refused.get()).isGreaterThanOrEqualTo(3);
            assertThat(refused.stats).hasValue(0);
            assertThat(snapshot.of(FaultMode.NONE).authAccepted()).isEqualTo(HEALTHY);
        }
    }

    @Test
    void refusedGatewayToldNotToRetryGivesUp() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 0);
                Simulator sim = start(monitor, FaultMode.WRONG_KEY)) {
            assertThat(sim.awaitCondition(
                            s -> s.of(FaultMode.WRONG_KEY).get(SimCounter.GAVE_UP) == 1
                                    && s.of(FaultMode.NONE).inSession() == HEALTHY,
                            Duration.ofSeconds(20)))
                    .isTrue();
            long poll = monitor.pollAll();
            Await.until("healthy gateways answer", 20_000, () -> monitor.answers(poll) == HEALTHY);
            assertThat(monitor.seen(sim.gatewayId(0)).connections).hasValue(1);
            assertThat(sim.snapshot().of(FaultMode.WRONG_KEY).get(SimCounter.CONNECT_ATTEMPTS))
                    .isEqualTo(1);
        }
    }

    @Test
    void pendingGatewayRetriesUntilApprovedAndPresentsItsEnrollmentToken() throws Exception {

        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            SimContext context = TestSims.quick(monitor.address(), 1)
                    .enrollmentToken("enroll-{id}")
                    .build();
            monitor.unapprove(context.firstGatewayId());
            try (Simulator sim = Simulator.start(context)) {
                assertThat(sim.awaitCondition(s -> s.total().authPending() >= 2, Duration.ofSeconds(20)))
                        .isTrue();
                assertThat(sim.snapshot().total().authAccepted()).isZero();
                monitor.approve(context.firstGatewayId());
                awaitSessions(sim, 1);
                assertThat(monitor.seen(context.firstGatewayId()).enrollmentToken)
                        .isEqualTo(("enroll-" + context.firstGatewayId()).getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void faultFractionsPickThatShareOfGateways() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = Simulator.start(TestSims.quick(monitor.address(), 40)
                        .faults(FaultPlan.parse("slow=0.1,silent=0.05,wrong-key=0.05"))
                        .build())) {
            SimSnapshot snapshot = sim.snapshot();
            assertThat(snapshot.gateways(FaultMode.SLOW)).isEqualTo(4);
            assertThat(snapshot.gateways(FaultMode.SILENT)).isEqualTo(2);
            assertThat(snapshot.gateways(FaultMode.WRONG_KEY)).isEqualTo(2);
            assertThat(snapshot.gateways(FaultMode.NONE)).isEqualTo(32);
            assertThat(IntStream.range(0, 40)
                            .filter(i -> sim.faultOf(i) == FaultMode.SLOW)
                            .count())
                    .isEqualTo(4);
            assertThat(sim.awaitCondition(
                            s -> s.total().inSession() == 38 && s.total().authRefused() >= 2, Duration.ofSeconds(20)))
                    .isTrue();
            long poll = monitor.pollAll();
            Await.until("all but the silent answer", 20_000, () -> monitor.answers(poll) == 36);
        }
    }

    private static Simulator start(FakeMonitor monitor, FaultMode faultOfGatewayZero) throws Exception {
        return Simulator.start(TestSims.quick(monitor.address(), GATEWAYS)
                .faults(FaultPlan.none().withGateway(0, faultOfGatewayZero))
                .build());
    }

    private static void awaitSessions(Simulator sim, int sessions) {
        assertThat(sim.awaitCondition(s -> s.total().inSession() == sessions, Duration.ofSeconds(20)))
                .as("%d in session: %s", sessions, sim.snapshot())
                .isTrue();
    }

    private static LongStream healthy(Simulator sim) {
        return IntStream.range(1, GATEWAYS).mapToLong(sim::gatewayId);
    }
}
