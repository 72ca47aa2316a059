package io.sluice.db.store;

import io.sluice.protocol.LatencyBuckets;

/**
 * Percentiles from a summed log2 latency histogram: the bucket where the rank falls, interpolated linearly inside it
 * (the histogram knows nothing finer).
 */
public final class LatencyPercentiles {
    private LatencyPercentiles() {}

    /** The {@code percentile} (0..100) in microseconds; 0 for an empty histogram. */
    public static long of(long[] buckets, double percentile) {
        long total = 0;
        for (long count : buckets) {
            total += count;
        }
        if (total == 0) {
            return 0;
        }
        double rank = Math.max(1, Math.ceil(percentile / 100.0 * total));
        long seen = 0;
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] == 0) {
                continue;
            }
            if (seen + buckets[b] >= rank) {
                long lower = LatencyBuckets.lowerBoundMicros(b);
                long upper = b + 1 < LatencyBuckets.COUNT ? LatencyBuckets.lowerBoundMicros(b + 1) : lower * 2;
                double within = (rank - seen) / buckets[b];
                return Math.round(lower + (upper - lower) * within);
            }
            seen += buckets[b];
        }
        return LatencyBuckets.lowerBoundMicros(buckets.length - 1);
    }
}
