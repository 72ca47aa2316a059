package io.sluice.services.control;

import static io.sluice.services.sla.PriorityClass.BACKGROUND;
import static io.sluice.services.sla.PriorityClass.BEST_EFFORT;
import static io.sluice.services.sla.PriorityClass.CRITICAL;
import static io.sluice.services.sla.PriorityClass.STANDARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.services.sla.PriorityClass;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FairShareAllocatorTest {
    private static final double E = 1e-6;

    @Test
    void backloggedVolumesShareByWeight() {
        double[] got = FairShareAllocator.allocate(
                1_000,
                new double[] {1e9, 1e9, 1e9},
                new double[3],
                new double[3],
                new int[] {100, 100, 200},
                new PriorityClass[] {STANDARD, STANDARD, STANDARD});
        assertThat(got[0]).isCloseTo(250, within(E));
        assertThat(got[1]).isCloseTo(250, within(E));
        assertThat(got[2]).isCloseTo(500, within(E));
    }

    @Test
    void whatALightVolumeDoesNotWantFlowsToTheOthers() {
        double[] got = FairShareAllocator.allocate(
                1_000,
                new double[] {100, 1e9, 1e9},
                new double[] {0, 300, 0},
                new double[3],
                new int[] {100, 100, 100},
                new PriorityClass[] {STANDARD, STANDARD, STANDARD});
        assertThat(got[0]).as("demand-aware").isCloseTo(100, within(E));
        assertThat(got[1]).as("capped by its limit").isCloseTo(300, within(E));
        assertThat(got[2]).isCloseTo(600, within(E));
    }

    @Test
    void reservationsComeFirstAndAreNotLentWhenIdle() {
        double[] got = FairShareAllocator.allocate(
                1_000,
                new double[] {10, 1e9},
                new double[2],
                new double[] {400, 0},
                new int[] {100, 100},
                new PriorityClass[] {STANDARD, STANDARD});
        assertThat(got[0]).isCloseTo(400, within(E));
        assertThat(got[1]).isCloseTo(600, within(E));
    }

    @Test
    void higherClassesAreServedFirstAndLowerOnesKeepTheirReservations() {
        double[] got = FairShareAllocator.allocate(
                1_000,
                new double[] {700, 1e9, 1e9},
                new double[3],
                new double[] {0, 0, 100},
                new int[] {1, 10_000, 10_000},
                new PriorityClass[] {CRITICAL, BEST_EFFORT, BACKGROUND});
        assertThat(got[0]).isCloseTo(700, within(E));
        assertThat(got[1]).isCloseTo(200, within(E));
        assertThat(got[2]).as("never below its reservation").isCloseTo(100, within(E));
    }

    @Test
    void capacityNobodyDemandsIsSpreadAsHeadroomUpToLimits() {
        double[] got = FairShareAllocator.allocate(
                1_000,
                new double[] {100, 100},
                new double[] {150, 0},
                new double[2],
                new int[] {100, 100},
                new PriorityClass[] {STANDARD, STANDARD});
        assertThat(got[0]).isCloseTo(150, within(E));
        assertThat(got[1]).isCloseTo(850, within(E));
    }

    @Test
    void neverHandsOutMoreThanTheCapacityAndNeverBreaksALimit() {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + random.nextInt(12);
            double capacity = 100 + random.nextInt(50_000);
            double[] demand = new double[n];
            double[] limit = new double[n];
            double[] reservation = new double[n];
            int[] weight = new int[n];
            PriorityClass[] priority = new PriorityClass[n];
            for (int i = 0; i < n; i++) {
                demand[i] = random.nextInt(20_000);
                limit[i] = random.nextBoolean() ? 0 : 1 + random.nextInt(20_000);
                reservation[i] = random.nextInt(4) == 0 ? random.nextInt((int) capacity / n + 1) : 0;
                if (limit[i] > 0) {
                    reservation[i] = Math.min(reservation[i], limit[i]);
                }
                weight[i] = 1 + random.nextInt(10_000);
                priority[i] = PriorityClass.values()[random.nextInt(4)];
            }
            double[] got = FairShareAllocator.allocate(capacity, demand, limit, reservation, weight, priority);
            assertThat(Arrays.stream(got).sum()).isLessThanOrEqualTo(capacity + 1e-6);
            for (int i = 0; i < n; i++) {
                assertThat(got[i]).isGreaterThanOrEqualTo(reservation[i] - 1e-6);
                if (limit[i] > 0) {
                    assertThat(got[i]).isLessThanOrEqualTo(limit[i] + 1e-6);
                }
            }
        }
    }
}
