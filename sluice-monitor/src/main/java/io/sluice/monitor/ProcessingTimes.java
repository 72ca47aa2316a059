package io.sluice.monitor;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long one thread took to serve one gateway, pass by pass, as a histogram: the inbound thread's read-and-decode of
 * a session, the outbound thread's encode-and-write. Its thread records (one atomic increment, no allocation); the
 * conductor drains the counts into the sizing window every interval.
 *
 * <p>Buckets are log-linear in microseconds: one per microsecond below 1024 us (where gateways' passes are, so Tptmax
 * is exact to the microsecond there), then 64 per power of two (a bucket is at most 1.6% wide), up to about 35 minutes;
 * anything longer lands in the last bucket.
 */
final class ProcessingTimes {
    private static final int LINEAR_BITS = 10;
    private static final int LINEAR = 1 << LINEAR_BITS;
    private static final int SUB_BITS = 6;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 30;
    static final int BUCKETS = LINEAR + (MAX_EXPONENT - LINEAR_BITS + 1) * SUB_BUCKETS;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /** One gateway served in {@code nanos}. */
    void record(long nanos) {
        counts.incrementAndGet(bucketOf(nanos / 1_000));
    }

    /** Adds what was recorded since the last drain to {@code into} and starts afresh. */
    void drainInto(long[] into) {
        for (int i = 0; i < BUCKETS; i++) {
            if (counts.get(i) != 0) {
                into[i] += counts.getAndSet(i, 0);
            }
        }
    }

    /** Forgets what was recorded (a fixed pair count has no use for it). */
    void clear() {
        for (int i = 0; i < BUCKETS; i++) {
            counts.set(i, 0);
        }
    }

    static int bucketOf(long micros) {
        if (micros < LINEAR) {
            return (int) Math.max(0, micros);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1);
        return LINEAR + (exponent - LINEAR_BITS) * SUB_BUCKETS + sub;
    }

    /**
     * The time (microseconds) a percentile read from a bucket reports: below 1024 us the microsecond itself, above it
     * the bucket's upper edge, so it errs on the slow side.
     */
    static long upperMicros(int bucket) {
        if (bucket < LINEAR) {
            return bucket;
        }
        int exponent = (bucket - LINEAR) / SUB_BUCKETS + LINEAR_BITS;
        int sub = (bucket - LINEAR) % SUB_BUCKETS;
        return (long) (SUB_BUCKETS + sub + 1) << (exponent - SUB_BITS);
    }
}
