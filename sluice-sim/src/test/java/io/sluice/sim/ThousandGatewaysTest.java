package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The simulator at the scale the monitor's system test needs: 1,000 gateways on loopback, two threads. The simulator's
 * clock is moved by hand (ramp-up, then one second before each poll), so every report covers exactly one second and the
 * rates it shows are exact however busy the machine is.
 */
class ThousandGatewaysTest {
    private static final int GATEWAYS = 1_000;
    private static final long RAMP_UP = 500;

    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);

    @Test
    void everyGatewayAuthenticatesAnswersEveryPollAndObeysItsThrottle() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 200);
                Simulator sim = Simulator.start(
                        TestSims.quick(monitor.address(), GATEWAYS)
                                .threads(2)
                                .timings(new SimTimings(RAMP_UP, 60_000, 60_000, 50, 1_000, 300, 300, 1))
                                .build(),
                        clock)) {
            clock.advance(RAMP_UP);
            assertThat(sim.awaitCondition(s -> s.total().inSession() == GATEWAYS, Duration.ofSeconds(30)))
                    .as("all in session: %s", sim.snapshot())
                    .isTrue();

            for (int round = 0; round < 3; round++) {
                clock.advance(1_000);
                long poll = monitor.pollAll();
                Await.until("every gateway answers poll " + poll, 20_000, () -> monitor.answers(poll) == GATEWAYS);
            }
            SimSnapshot polled = sim.snapshot();
            assertThat(polled.total().authAccepted()).isEqualTo(GATEWAYS);
            assertThat(polled.total().authRefused()).isZero();
            assertThat(polled.total().reconnects()).isZero();
            assertThat(polled.total().pollsReceived()).isEqualTo(3L * GATEWAYS);
            assertThat(polled.total().pollsAnswered()).isEqualTo(3L * GATEWAYS);
            for (int i = 0; i < GATEWAYS; i++) {
                FakeMonitor.Seen seen = monitor.seen(sim.gatewayId(i));
                assertThat(seen.reportSequenceBreaks).hasValue(0);
                assertThat(seen.lastRate.values())
                        .allSatisfy(rate -> assertThat(rate).isBetween(1_950.0, 2_050.0));
            }

            long command = monitor.throttleAll(1, 500);
            Await.until(
                    "every gateway acknowledges the throttle set",
                    20_000,
                    () -> monitor.allSeen().stream()
                                    .filter(seen -> seen.acksByCommand.containsKey(command))
                                    .count()
                            == GATEWAYS);
            clock.advance(1_000);
            long poll = monitor.pollAll();
            Await.until("every gateway answers after the throttle", 20_000, () -> monitor.answers(poll) == GATEWAYS);

            for (int i = 0; i < GATEWAYS; i++) {
                FakeMonitor.Seen seen = monitor.seen(sim.gatewayId(i));
                assertThat(seen.acksByCommand.get(command))
                        .containsOnly(ThrottleAckStatus.APPLIED)
                        .hasSize(2);
                assertThat(seen.lastThrottleVersion.values()).containsOnly(1L);
                assertThat(seen.lastRate.values())
                        .allSatisfy(rate -> assertThat(rate).isBetween(498.0, 500.0));
                assertThat(seen.lastThrottledNanos.values())
                        .allSatisfy(nanos -> assertThat(nanos).isPositive());
            }
            SimSnapshot throttled = sim.snapshot();
            assertThat(throttled.total().throttleSetsReceived()).isEqualTo(GATEWAYS);
            assertThat(throttled.total().throttleSetsAcked()).isEqualTo(GATEWAYS);
            assertThat(throttled.total().get(SimCounter.THROTTLE_VOLUMES_APPLIED))
                    .isEqualTo(2L * GATEWAYS);
            assertThat(throttled.total().get(SimCounter.OUTPUT_FULL)).isZero();
            assertThat(throttled.total().get(SimCounter.PROTOCOL_ERRORS)).isZero();
            assertThat(sim.failure()).isNull();
        }
    }
}
