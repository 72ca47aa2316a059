package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Balancing by load, decided by hand: costs smoothed over intervals, placement, and the moves between pairs. */
class PairBalancerTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final double NOT_MEASURED = Double.NaN;

    @Test
    void aSessionsCostIsItsShareOfAThreadSmoothedOverTheIntervals() {
        double cost = PairBalancer.smoothed(NOT_MEASURED, SECOND / 10, 2 * SECOND);
        assertThat(cost).as("first interval taken as it is").isCloseTo(0.05, within(1e-9));
        cost = PairBalancer.smoothed(cost, SECOND / 2, 2 * SECOND);
        assertThat(cost).as("half the newest interval, half the past").isCloseTo(0.15, within(1e-9));
        cost = PairBalancer.smoothed(cost, 0, 2 * SECOND);
        assertThat(cost).as("an idle interval halves it").isCloseTo(0.075, within(1e-9));
        assertThat(PairBalancer.smoothed(cost, SECOND, 0))
                .as("no time, no news")
                .isEqualTo(cost);
        assertThat(PairBalancer.smoothed(NOT_MEASURED, SECOND, 0)).isNaN();
    }

    @Test
    void aNewGatewayGoesToTheLeastLoadedPairNotTheOneWithFewestSessions() {
        // Pair 0: two heavy gateways; pair 1: ten light ones.
        int chosen = PairBalancer.place(new double[] {0.6, 0.1}, new int[] {0, 0}, new int[] {2, 10}, 0.05, -1);
        assertThat(chosen).isEqualTo(1);
    }

    @Test
    void gatewaysPlacedSinceTheLastMeasureCountAtTheAverageCost() {
        // Pair 1 was the lighter one but has taken four gateways since: 0.1 + 4 x 0.05 > 0.25.
        assertThat(PairBalancer.place(new double[] {0.25, 0.1}, new int[] {0, 4}, new int[] {3, 3}, 0.05, -1))
                .isZero();
    }

    @Test
    void withNothingMeasuredPlacementIsByCountAndARetiringPairGetsNone() {
        assertThat(PairBalancer.place(new double[] {0, 0, 0}, new int[] {0, 0, 0}, new int[] {5, 4, 1}, 0, -1))
                .isEqualTo(2);
        assertThat(PairBalancer.place(new double[] {0, 0, 0}, new int[] {0, 0, 0}, new int[] {5, 4, 1}, 0, 2))
                .isEqualTo(1);
    }

    @Test
    void theCostliestSessionsThatFitHalfTheGapMoveFromTheBusiestPairToTheIdlest() {
        // Pair 0: 0.4 + 0.3 + 0.05 + 0.05 = 0.8; pair 1: 0.1 + 0.1 = 0.2. Half the gap is 0.3.
        int[] pairOf = {0, 0, 0, 0, 1, 1};
        double[] cost = {0.4, 0.3, 0.05, 0.05, 0.1, 0.1};
        int[] moves = PairBalancer.moves(2, -1, pairOf, cost, all(6));
        assertThat(moves).containsExactly(-1, 1, -1, -1, -1, -1);
    }

    @Test
    void equalCountsWithUnequalCostsAreRebalancedAndEqualLoadsAreLeftAlone() {
        // Two gateways each: by count balanced, by load not.
        int[] moves = PairBalancer.moves(2, -1, new int[] {0, 0, 1, 1}, new double[] {0.5, 0.2, 0.05, 0.05}, all(4));
        assertThat(moves).containsExactly(-1, 1, -1, -1);
        // Within a tenth of the average: nothing moves.
        assertThat(PairBalancer.moves(2, -1, new int[] {0, 1, 1}, new double[] {0.5, 0.24, 0.24}, all(3)))
                .containsOnly(-1);
    }

    @Test
    void aSessionTooCostlyToMoveWithoutSwappingTheImbalanceStays() {
        // One gateway is the whole load: moving it would only move the imbalance.
        assertThat(PairBalancer.moves(2, -1, new int[] {0, 1}, new double[] {0.9, 0.01}, all(2)))
                .containsOnly(-1);
    }

    @Test
    void sessionsThatMayNotMoveOrAreNotMeasuredStayAndARetiringPairTakesNoPart() {
        int[] pairOf = {0, 0, 0, 1, 2};
        double[] cost = {0.3, 0.2, NOT_MEASURED, 0.0, 0.0};
        boolean[] movable = {false, true, true, true, true};
        int[] moves = PairBalancer.moves(3, 2, pairOf, cost, movable);
        assertThat(moves).containsExactly(-1, 1, -1, -1, -1);
    }

    private static boolean[] all(int n) {
        boolean[] movable = new boolean[n];
        Arrays.fill(movable, true);
        return movable;
    }
}
