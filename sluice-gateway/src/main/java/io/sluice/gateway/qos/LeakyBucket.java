package io.sluice.gateway.qos;

/**
 * QEMU's leaky bucket for one {@link BucketLimit}: each admitted I/O pours its units in, the bucket leaks at the
 * sustained rate, and an I/O may go only while the bucket is not over its size. Admission is decided before pouring, so
 * one I/O may overfill the bucket; the overfill is then paid back as waiting time, which keeps the long-run rate exact
 * whatever the I/O sizes and however late a timer fires. With a burst length over one second a second bucket, leaking
 * at the burst rate, keeps the burst itself at its rate.
 *
 * <p>Not thread-safe: the owning scheduler's lock guards it.
 */
public final class LeakyBucket {
    private static final double NANOS_PER_SECOND = 1e9;

    private double level;
    private double burstLevel;

    /** Lets {@code elapsedNanos} of leaking happen under {@code limit}. */
    public void leak(BucketLimit limit, long elapsedNanos) {
        if (elapsedNanos <= 0) {
            return;
        }
        level = Math.max(level - limit.rate() * elapsedNanos / NANOS_PER_SECOND, 0);
        if (limit.burstSeconds() > 1) {
            burstLevel = Math.max(burstLevel - limit.burst() * elapsedNanos / NANOS_PER_SECOND, 0);
        }
    }

    /** How long the next I/O has to wait; 0 when it may go now. */
    public long waitNanos(BucketLimit limit) {
        if (!limit.limited()) {
            return 0;
        }
        double extra = level - bucketSize(limit);
        if (extra > 0) {
            return (long) Math.ceil(extra * NANOS_PER_SECOND / limit.rate());
        }
        if (limit.burstSeconds() > 1) {
            extra = burstLevel - burstBucketSize(limit);
            if (extra > 0) {
                return (long) Math.ceil(extra * NANOS_PER_SECOND / limit.burst());
            }
        }
        return 0;
    }

    /**
     * Trims the levels to what {@code limit} allows, for a limit that replaces another: a lower limit starts with a
     * full bucket (no credit carried over, no debt beyond the new bucket), where QEMU empties the buckets and so gives
     * a fresh burst at every change.
     */
    public void clamp(BucketLimit limit) {
        level = Math.min(level, bucketSize(limit));
        burstLevel = Math.min(burstLevel, burstBucketSize(limit));
    }

    /** Level up to which I/Os still go: with a burst rate, all of the burst; otherwise 0.1 s. */
    private static double bucketSize(BucketLimit limit) {
        return limit.burst() == 0 ? limit.rate() / 10 : limit.burst() * limit.burstSeconds();
    }

    private static double burstBucketSize(BucketLimit limit) {
        return limit.burst() / 10;
    }

    /** Accounts an admitted I/O of {@code units}. */
    public void pour(BucketLimit limit, double units) {
        if (!limit.limited()) {
            return;
        }
        level += units;
        if (limit.burstSeconds() > 1) {
            burstLevel += units;
        }
    }
}
