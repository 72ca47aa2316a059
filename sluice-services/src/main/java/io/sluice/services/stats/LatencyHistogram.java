package io.sluice.services.stats;

import io.sluice.protocol.LatencyBuckets;

/**
 * Percentiles from the log2 latency buckets gateways report ({@link LatencyBuckets}). Inside a bucket the latency is
 * taken to grow geometrically from its lower to its upper bound, which keeps the error well under the bucket's factor
 * of two for the smooth distributions storage produces.
 */
public final class LatencyHistogram {
    private LatencyHistogram() {}

    /** Adds {@code from} into {@code into}, bucket by bucket. */
    public static void add(long[] into, long[] from) {
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            into[b] += from[b];
        }
    }

    public static long count(long[] buckets) {
        long total = 0;
        for (long count : buckets) {
            total += count;
        }
        return total;
    }

    /** The {@code percentile} (0..100) latency in microseconds; 0 for an empty histogram. */
    public static double percentileMicros(long[] buckets, double percentile) {
        long total = count(buckets);
        if (total == 0) {
            return 0;
        }
        double rank = percentile / 100.0 * total;
        long below = 0;
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            long count = buckets[b];
            if (count > 0 && below + count >= rank) {
                double within = Math.max(0, (rank - below) / count);
                if (b == 0) {
                    return 2 * within;
                }
                double lower = LatencyBuckets.lowerBoundMicros(b);
                return b == LatencyBuckets.COUNT - 1 ? lower : lower * Math.pow(2, within);
            }
            below += count;
        }
        return LatencyBuckets.lowerBoundMicros(LatencyBuckets.COUNT - 1);
    }
}
