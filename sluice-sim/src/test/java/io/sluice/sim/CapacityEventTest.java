package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Volumes past their warning threshold are reported by EVENT CAPACITY_WARNING, once each. */
class CapacityEventTest {
    @Test
    void fullVolumesWarnOnceWhenTheSessionOpens() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100);
                Simulator sim = Simulator.start(TestSims.quick(monitor.address(), 3)
                        .volumes(TestSims.STEADY.withUsed(0.95))
                        .build())) {
            assertThat(sim.awaitCondition(s -> s.total().get(SimCounter.EVENTS_SENT) == 6, Duration.ofSeconds(20)))
                    .isTrue();
            Await.until(
                    "the monitor has two events per gateway",
                    20_000,
                    () -> monitor.allSeen().stream().allMatch(seen -> seen.events.get() == 2));
            long poll = monitor.pollAll();
            Await.until("polls answered", 20_000, () -> monitor.answers(poll) == 3);
            assertThat(sim.snapshot().total().get(SimCounter.EVENTS_SENT)).isEqualTo(6);
        }
    }
}
