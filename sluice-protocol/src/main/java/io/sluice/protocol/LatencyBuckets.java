package io.sluice.protocol;

/** The fixed log2 latency buckets of a STATS record (see {@link StatsDescriptor}). */
public final class LatencyBuckets {
    public static final int COUNT = 24;

    private LatencyBuckets() {}

    /** The bucket a latency of {@code micros} falls in; negative latencies (clock steps) count as 0. */
    public static int bucketOf(long micros) {
        if (micros < 2) {
            return 0;
        }
        return Math.min(COUNT - 1, 63 - Long.numberOfLeadingZeros(micros));
    }

    /** The smallest latency, in microseconds, that falls in {@code bucket}. */
    public static long lowerBoundMicros(int bucket) {
        return bucket == 0 ? 0 : 1L << bucket;
    }
}
