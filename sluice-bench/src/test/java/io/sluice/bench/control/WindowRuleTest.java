package io.sluice.bench.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.bench.control.ClosedLoop.Mode;
import io.sluice.bench.control.ControlScenarios.LatencyRun;
import io.sluice.bench.control.ControlScenarios.Rule;
import io.sluice.bench.control.ControlScenarios.Workload;
import org.junit.jupiter.api.Test;

/**
 * Gold's windows are judged by the product's rule (the objective, no tolerance), the one Sluice's compliance judge
 * applies, and not by the 1.2x the benchmark allowed until 2026-12-07, which the best static limit used in full.
 */
class WindowRuleTest {
    private static final int INTERVALS = 220;

    @Test
    void aLimitThatRunsGoldBetweenItsObjectiveAndOnePointTwoTimesItMeetsOnlyTheOldRule() {
        // On the FIFO device 7,200 IOPS in all (gold's 1,500, bronze held to 5,700) runs gold's p95 at about 2.2 ms.
        LatencyRun over = ControlScenarios.goldNextToBronze(
                ControlScenarios.FIFO,
                Workload.STEADY,
                Mode.STATIC,
                1,
                INTERVALS,
                ControlScenarios.GOLD_LATENCY,
                5_700);
        assertThat(over.windows()).isEqualTo((INTERVALS - ControlScenarios.FLOOD_STARTS) / 5);
        assertThat(over.windowsMet(Rule.OBJECTIVE))
                .as("over 2 ms: missed as the product judges it")
                .isZero();
        assertThat(over.windowsMet(Rule.WITHIN_1_2X))
                .as("within 2.4 ms: met by the old rule")
                .isEqualTo(over.windows());
    }

    @Test
    void aLimitThatKeepsGoldUnderItsObjectiveMeetsBoth() {
        LatencyRun under = ControlScenarios.goldNextToBronze(
                ControlScenarios.FIFO,
                Workload.STEADY,
                Mode.STATIC,
                1,
                INTERVALS,
                ControlScenarios.GOLD_LATENCY,
                5_000);
        assertThat(under.windowsMet(Rule.OBJECTIVE)).isEqualTo(under.windows());
        assertThat(under.windowsMet(Rule.WITHIN_1_2X)).isEqualTo(under.windows());
    }
}
