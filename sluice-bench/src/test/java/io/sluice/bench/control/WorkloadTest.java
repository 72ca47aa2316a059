package io.sluice.bench.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.bench.control.ControlScenarios.Device;
import io.sluice.bench.control.ControlScenarios.Workload;
import org.junit.jupiter.api.Test;

/**
 * The two workloads the best static limit is searched on, interval by interval, as docs/benchmarks.md describes them.
 */
class WorkloadTest {
    private static final Device FIFO = ControlScenarios.FIFO;
    private static final int INTERVALS = 620;

    @Test
    void steadyIsGoldAtFifteenHundredNextToAFloodFromIntervalTwenty() {
        for (int i = 0; i < INTERVALS; i++) {
            assertThat(Workload.STEADY.goldIops(i, INTERVALS)).isEqualTo(1_500);
            assertThat(Workload.STEADY.bronzeIops(FIFO, i, INTERVALS))
                    .isEqualTo(i < ControlScenarios.FLOOD_STARTS ? 2_000 : FIFO.floodIops());
        }
    }

    @Test
    void changingStepsGoldAndBronzeAtDifferentTimesInSixEqualSegments() {
        double flood = FIFO.floodIops();
        double light = FIFO.capacityIops() / 5;
        double[][] segments = {
            {1_500, flood}, {1_500, flood}, {4_000, flood}, {4_000, light}, {800, light}, {800, flood}
        };
        assertThat(Workload.CHANGING.goldIops(19, INTERVALS)).isEqualTo(1_500);
        assertThat(Workload.CHANGING.bronzeIops(FIFO, 19, INTERVALS)).isEqualTo(2_000);
        for (int s = 0; s < segments.length; s++) {
            // 600 intervals after the flood starts: segments of 100.
            for (int i = 20 + 100 * s; i < 20 + 100 * (s + 1); i++) {
                assertThat(Workload.CHANGING.goldIops(i, INTERVALS))
                        .as("interval %d", i)
                        .isEqualTo(segments[s][0]);
                assertThat(Workload.CHANGING.bronzeIops(FIFO, i, INTERVALS))
                        .as("interval %d", i)
                        .isEqualTo(segments[s][1]);
            }
        }
    }
}
