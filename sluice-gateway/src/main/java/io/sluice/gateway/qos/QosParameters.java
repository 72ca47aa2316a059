package io.sluice.gateway.qos;

/**
 * The QoS of one volume, immutable so a new set replaces the old one in a single reference swap. IOPS and bandwidth
 * limits are total, per direction, or both (an I/O then waits for both buckets; QEMU allows one or the other, but the
 * services send the total they allocate within an SLA's per-direction ceilings); {@code ioSizeBytes} normalizes sizes
 * (an I/O of n times that size counts as n I/Os, 0 = off); {@code reservationIops} is the guaranteed minimum and
 * {@code weight} the share of what is left when volumes compete for one backend; {@code maxDelayNanos} caps how long a
 * request is held.
 */
public record QosParameters(
        BucketLimit iops,
        BucketLimit readIops,
        BucketLimit writeIops,
        BucketLimit bandwidth,
        BucketLimit readBandwidth,
        BucketLimit writeBandwidth,
        int ioSizeBytes,
        double reservationIops,
        double weight,
        long maxDelayNanos) {
    public static final long DEFAULT_MAX_DELAY_NANOS = 1_000_000_000L;
    /** Far below the 30 s after which the Linux nbd driver gives up on a request. */
    public static final long MAX_MAX_DELAY_NANOS = 10_000_000_000L;

    public static final QosParameters UNLIMITED = new QosParameters(
            BucketLimit.NONE,
            BucketLimit.NONE,
            BucketLimit.NONE,
            BucketLimit.NONE,
            BucketLimit.NONE,
            BucketLimit.NONE,
            0,
            0,
            1,
            DEFAULT_MAX_DELAY_NANOS);

    public QosParameters {
        if (ioSizeBytes < 0) {
            throw new IllegalArgumentException("ioSizeBytes must be >= 0: " + ioSizeBytes);
        }
        if (!(reservationIops >= 0) || Double.isInfinite(reservationIops)) {
            throw new IllegalArgumentException("reservationIops must be >= 0: " + reservationIops);
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be > 0: " + weight);
        }
        if (maxDelayNanos < 1_000_000 || maxDelayNanos > MAX_MAX_DELAY_NANOS) {
            throw new IllegalArgumentException("maxDelay must be 1 ms to 10 s: " + maxDelayNanos + " ns");
        }
    }

    /** Only a total IOPS limit, everything else as {@link #UNLIMITED}; handy for tests and examples. */
    public static QosParameters iopsLimit(double iops) {
        return UNLIMITED.withIops(BucketLimit.of(iops));
    }

    public QosParameters withIops(BucketLimit limit) {
        return new QosParameters(
                limit,
                readIops,
                writeIops,
                bandwidth,
                readBandwidth,
                writeBandwidth,
                ioSizeBytes,
                reservationIops,
                weight,
                maxDelayNanos);
    }

    public QosParameters withIoSize(int bytes) {
        return new QosParameters(
                iops,
                readIops,
                writeIops,
                bandwidth,
                readBandwidth,
                writeBandwidth,
                bytes,
                reservationIops,
                weight,
                maxDelayNanos);
    }

    public QosParameters withShares(double reservation, double newWeight) {
        return new QosParameters(
                iops,
                readIops,
                writeIops,
                bandwidth,
                readBandwidth,
                writeBandwidth,
                ioSizeBytes,
                reservation,
                newWeight,
                maxDelayNanos);
    }

    public QosParameters withMaxDelayNanos(long nanos) {
        return new QosParameters(
                iops,
                readIops,
                writeIops,
                bandwidth,
                readBandwidth,
                writeBandwidth,
                ioSizeBytes,
                reservationIops,
                weight,
                nanos);
    }

    /** How many I/Os one of {@code bytes} counts as: fractional above the normalization size, as in QEMU. */
    public double units(long bytes) {
        return ioSizeBytes > 0 && bytes > ioSizeBytes ? (double) bytes / ioSizeBytes : 1.0;
    }
}
