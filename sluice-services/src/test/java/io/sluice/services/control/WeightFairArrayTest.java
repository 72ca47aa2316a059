package io.sluice.services.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Sla;
import io.sluice.sim.storage.SimulatedBackend.SimVolume;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo's scenario against a weight-fair array (3,000 IOPS shared 1:1 between the two volumes, as the gateway's
 * backend scheduler does): gold steady at 1,800 IOPS with a 1,500 reservation and a 20 ms p95 objective, closed-loop at
 * depth 8; bronze, background, flooding at depth 32 for 25 intervals then idle as long. A flooding neighbour takes half
 * the array unless the analyzer holds it, and gold's latency hardly moves (its client waits instead of queueing), so
 * throughput is the only sign gold is short.
 */
class WeightFairArrayTest {
    private static final int GOLD = 1;
    private static final int BRONZE = 1001;
    private static final int FLOOD = 25;

    @Test
    void bronzeIsHeldNearWhatGoldLeavesWhileItFloodsAndReleasedAfter() {
        ControlHarness loop = new ControlHarness(3_000, 300, 3_000, 7);
        loop.backend.weightFair();
        SimVolume gold = loop.volume(GOLD, 1, 1_800).closedLoop(8);
        SimVolume bronze = loop.volume(BRONZE, 2, 0).closedLoop(32);
        loop.attach(
                GOLD,
                Sla.named("gold")
                        .priority(PriorityClass.CRITICAL)
                        .reservedIops(1_500)
                        .weight(300)
                        .latency(new LatencyObjective(95, 20_000, 20_000, 5))
                        .build());
        loop.attach(
                BRONZE,
                Sla.named("bronze")
                        .priority(PriorityClass.BACKGROUND)
                        .iopsLimit(5_000)
                        .weight(100)
                        .build());

        loop.run(10);
        for (int cycle = 0; cycle < 4; cycle++) {
            bronze.demand(20_000);
            loop.run(FLOOD);
            bronze.demand(0);
            loop.run(FLOOD);
        }

        List<Long> bronzeLimits = loop.limits.get(BRONZE);
        for (int cycle = 0; cycle < 4; cycle++) {
            int floodStart = 10 + cycle * 2 * FLOOD;
            double goldDelivered = 0;
            long minLimit = Long.MAX_VALUE;
            long maxLimit = 0;
            // After a settling time, through the rest of the flood.
            for (int i = floodStart + 5; i < floodStart + FLOOD; i++) {
                goldDelivered += gold.history().get(i).delivered();
                minLimit = Math.min(minLimit, bronzeLimits.get(i));
                maxLimit = Math.max(maxLimit, bronzeLimits.get(i));
            }
            goldDelivered /= FLOOD - 5;
            long releasedLimit = bronzeLimits.get(floodStart + 2 * FLOOD - 1);
            System.out.printf(
                    "cycle %d: gold %.0f IOPS while bronze floods; bronze limit %d..%d during, %d after%n",
                    cycle, goldDelivered, minLimit, maxLimit, releasedLimit);
            assertThat(goldDelivered).as("gold keeps its demand").isGreaterThan(1_700);
            assertThat(minLimit).as("bronze is not starved").isGreaterThan(800);
            assertThat(maxLimit).as("bronze is held near what gold leaves").isLessThan(1_300);
            assertThat(releasedLimit)
                    .as("the throttle is lifted once the flood ends")
                    .isGreaterThan(maxLimit);
        }
        for (int i = 15; i < gold.history().size(); i++) {
            assertThat(gold.history().get(i).delivered()).as("interval %d", i).isGreaterThan(1_450);
        }
    }
}
