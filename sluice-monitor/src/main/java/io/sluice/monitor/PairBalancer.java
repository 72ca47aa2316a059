package io.sluice.monitor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Balancing the thread pairs by load (docs/design.md, "The monitor's thread pairs"): a session's cost is the share of a
 * thread its gateway takes (the time its frames take to read, decode and hand on plus the time its frames take to
 * encode and write, per time), smoothed over the sizing intervals; a pair's load is the sum of its sessions' costs. A
 * gateway with hundreds of volumes costs as much as hundreds with one, so counting sessions would leave one pair with
 * the heavy gateways and the other idle.
 *
 * <p>Pure functions over arrays, so the decisions are tested by hand ({@code PairBalancerTest}); the daemon's conductor
 * measures and applies them, the acceptor places with {@link #place}.
 */
final class PairBalancer {
    /** The newest interval's weight in a session's smoothed cost: half, so a change shows within a few intervals. */
    static final double SMOOTHING = 0.5;
    /** Pairs are rebalanced once their loads differ by more than this share of the average pair's. */
    static final double TOLERANCE = 0.1;

    private PairBalancer() {}

    /**
     * A session's cost after one more interval: {@code busyNanos} of work over {@code intervalNanos}, smoothed into
     * {@code previous} (NaN for a session not measured before, which takes the interval's cost as it is). An interval
     * of no length says nothing: the cost stays.
     */
    static double smoothed(double previous, long busyNanos, long intervalNanos) {
        if (intervalNanos <= 0) {
            return previous;
        }
        double sample = (double) busyNanos / intervalNanos;
        return Double.isNaN(previous) ? sample : SMOOTHING * sample + (1 - SMOOTHING) * previous;
    }

    /**
     * The pair for a new session: the least load, counting each session placed since the loads were measured at
     * {@code averageCost} (a new gateway's cost is not known yet); between equal loads, the fewest sessions (so with
     * nothing measured yet this places by count). {@code skip} (a retiring pair, or -1) gets none.
     */
    static int place(double[] load, int[] placedSinceMeasure, int[] sessions, double averageCost, int skip) {
        int best = -1;
        double bestLoad = 0;
        for (int p = 0; p < load.length; p++) {
            if (p == skip) {
                continue;
            }
            double expected = load[p] + placedSinceMeasure[p] * averageCost;
            if (best < 0 || expected < bestLoad || (expected == bestLoad && sessions[p] < sessions[best])) {
                best = p;
                bestLoad = expected;
            }
        }
        return best;
    }

    /**
     * Moves from the busiest pair to the idlest when their loads differ by more than {@link #TOLERANCE} of the average:
     * the costliest sessions of the busiest pair that fit into half the difference, so the busiest pair ends no lighter
     * than the idlest. Returns, per session, the pair to move it to, or -1.
     *
     * @param pairs how many pairs
     * @param skip a pair that takes no part (retiring), or -1
     * @param pairOf each session's pair (the pair it is moving to, if it is)
     * @param cost each session's smoothed cost (NaN: not measured yet, moved never)
     * @param movable whether each session may move now (in session, not moving already)
     */
    static int[] moves(int pairs, int skip, int[] pairOf, double[] cost, boolean[] movable) {
        int[] moveTo = new int[pairOf.length];
        Arrays.fill(moveTo, -1);
        double[] load = new double[pairs];
        for (int s = 0; s < pairOf.length; s++) {
            if (!Double.isNaN(cost[s])) {
                load[pairOf[s]] += cost[s];
            }
        }
        int busiest = -1;
        int idlest = -1;
        double total = 0;
        int active = 0;
        for (int p = 0; p < pairs; p++) {
            if (p == skip) {
                continue;
            }
            active++;
            total += load[p];
            if (busiest < 0 || load[p] > load[busiest]) {
                busiest = p;
            }
            if (idlest < 0 || load[p] < load[idlest]) {
                idlest = p;
            }
        }
        if (active < 2 || total <= 0) {
            return moveTo;
        }
        double gap = load[busiest] - load[idlest];
        if (gap <= TOLERANCE * total / active) {
            return moveTo;
        }
        int from = busiest;
        Integer[] candidates = IntStream.range(0, pairOf.length)
                .filter(s -> pairOf[s] == from && movable[s] && !Double.isNaN(cost[s]) && cost[s] > 0)
                .boxed()
                .sorted((a, b) -> Double.compare(cost[b], cost[a]))
                .toArray(Integer[]::new);
        double room = gap / 2;
        for (int s : candidates) {
            if (cost[s] <= room) {
                moveTo[s] = idlest;
                room -= cost[s];
            }
        }
        return moveTo;
    }
}
