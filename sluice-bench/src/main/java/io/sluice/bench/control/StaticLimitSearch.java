package io.sluice.bench.control;

import java.util.OptionalLong;
import java.util.function.LongPredicate;

/**
 * The largest static limit that keeps an objective, found by bisection.
 *
 * <p>It assumes feasibility is monotone in the limit: if a limit keeps the objective, so does every lower one. For a
 * cap on the flooding volume that holds because a lower cap only lowers the device's load, and with it every volume's
 * latency, interval by interval (the simulation is seeded, so the same seed offers the same load whatever the limit).
 * Throughput never falls as the cap on a backlogged volume rises, so the largest feasible limit is also the feasible
 * limit with the most throughput: the hindsight-optimal static limit, within the resolution asked for.
 */
final class StaticLimitSearch {
    private StaticLimitSearch() {}

    /**
     * The largest limit in {@code [low, high]} for which {@code feasible} holds, to within {@code resolution}: the
     * answer is feasible, and the answer plus {@code resolution} is not (or is past {@code high}). Empty when even
     * {@code low} is infeasible. Tests about log2((high - low) / resolution) limits, each once.
     */
    static OptionalLong largestFeasible(long low, long high, long resolution, LongPredicate feasible) {
        if (low > high || resolution < 1) {
            throw new IllegalArgumentException(
                    "need low <= high and resolution >= 1: " + low + ", " + high + ", " + resolution);
        }
        if (!feasible.test(low)) {
            return OptionalLong.empty();
        }
        if (feasible.test(high)) {
            return OptionalLong.of(high);
        }
        long good = low;
        long bad = high;
        while (bad - good > resolution) {
            long middle = good + (bad - good) / 2;
            if (feasible.test(middle)) {
                good = middle;
            } else {
                bad = middle;
            }
        }
        return OptionalLong.of(good);
    }
}
