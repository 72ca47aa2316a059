package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.common.PeriodicStep;
import org.junit.jupiter.api.Test;

/** The conductor's periodic steps driven by hand on a clock that moves only when told: when each falls due. */
class ConductorStepsTest {
    private final ManualEpochClock clock = new ManualEpochClock(1_700_000_000_000L);

    @Test
    void theHandshakeSweepRunsAtTheFirstTurnThenOnceAnInterval() {
        PeriodicStep sweep = MonitorConductor.handshakeSweepStep(clock.epochMillis());
        assertThat(sweep.due(clock.epochMillis())).isTrue();
        assertThat(sweep.due(clock.epochMillis())).as("not twice at one time").isFalse();
        clock.advance(MonitorConductor.HANDSHAKE_SWEEP_MILLIS - 1);
        assertThat(sweep.due(clock.epochMillis())).isFalse();
        clock.advance(1);
        assertThat(sweep.due(clock.epochMillis())).isTrue();
    }

    @Test
    void sizingWaitsAnIntervalFromTheStart() {
        PeriodicStep sizing = MonitorConductor.sizingStep(clock.epochMillis());
        assertThat(sizing.due(clock.epochMillis())).isFalse();
        clock.advance(MonitorConductor.SIZING_INTERVAL_MILLIS - 1);
        assertThat(sizing.due(clock.epochMillis())).isFalse();
        clock.advance(1);
        assertThat(sizing.due(clock.epochMillis())).isTrue();
    }

    @Test
    void aLateTurnRunsTheStepOnceAndTheNextFallsAnIntervalAfterIt() {
        PeriodicStep sizing = MonitorConductor.sizingStep(clock.epochMillis());
        clock.advance(5 * MonitorConductor.SIZING_INTERVAL_MILLIS + 300);
        assertThat(sizing.due(clock.epochMillis())).isTrue();
        assertThat(sizing.due(clock.epochMillis()))
                .as("no catching up on the intervals missed")
                .isFalse();
        clock.advance(MonitorConductor.SIZING_INTERVAL_MILLIS - 1);
        assertThat(sizing.due(clock.epochMillis())).isFalse();
        clock.advance(1);
        assertThat(sizing.due(clock.epochMillis())).isTrue();
    }
}
