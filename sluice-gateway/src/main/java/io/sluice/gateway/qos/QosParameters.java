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

    public static final QosParameters UNLIMITED = builder().build();

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
        return toBuilder().iops(limit).build();
    }

    public QosParameters withIoSize(int bytes) {
        return toBuilder().ioSizeBytes(bytes).build();
    }

    public QosParameters withShares(double reservation, double newWeight) {
        return toBuilder().reservationIops(reservation).weight(newWeight).build();
    }

    public QosParameters withMaxDelayNanos(long nanos) {
        return toBuilder().maxDelayNanos(nanos).build();
    }

    /** Parameters from {@link #UNLIMITED}'s: no limit, no normalization, no reservation, weight 1, 1 s delay cap. */
    public static Builder builder() {
        return new Builder();
    }

    /** Parameters from these. */
    public Builder toBuilder() {
        return new Builder()
                .iops(iops)
                .readIops(readIops)
                .writeIops(writeIops)
                .bandwidth(bandwidth)
                .readBandwidth(readBandwidth)
                .writeBandwidth(writeBandwidth)
                .ioSizeBytes(ioSizeBytes)
                .reservationIops(reservationIops)
                .weight(weight)
                .maxDelayNanos(maxDelayNanos);
    }

    /** How many I/Os one of {@code bytes} counts as: fractional above the normalization size, as in QEMU. */
    public double units(long bytes) {
        return ioSizeBytes > 0 && bytes > ioSizeBytes ? (double) bytes / ioSizeBytes : 1.0;
    }

    /** The parameters by name; {@link #build()} checks them as the constructor does. */
    public static final class Builder {
        private BucketLimit iops = BucketLimit.NONE;
        private BucketLimit readIops = BucketLimit.NONE;
        private BucketLimit writeIops = BucketLimit.NONE;
        private BucketLimit bandwidth = BucketLimit.NONE;
        private BucketLimit readBandwidth = BucketLimit.NONE;
        private BucketLimit writeBandwidth = BucketLimit.NONE;
        private int ioSizeBytes;
        private double reservationIops;
        private double weight = 1;
        private long maxDelayNanos = DEFAULT_MAX_DELAY_NANOS;

        private Builder() {}

        public Builder iops(BucketLimit limit) {
            this.iops = limit;
            return this;
        }

        public Builder readIops(BucketLimit limit) {
            this.readIops = limit;
            return this;
        }

        public Builder writeIops(BucketLimit limit) {
            this.writeIops = limit;
            return this;
        }

        public Builder bandwidth(BucketLimit limit) {
            this.bandwidth = limit;
            return this;
        }

        public Builder readBandwidth(BucketLimit limit) {
            this.readBandwidth = limit;
            return this;
        }

        public Builder writeBandwidth(BucketLimit limit) {
            this.writeBandwidth = limit;
            return this;
        }

        public Builder ioSizeBytes(int bytes) {
            this.ioSizeBytes = bytes;
            return this;
        }

        public Builder reservationIops(double reservation) {
            this.reservationIops = reservation;
            return this;
        }

        public Builder weight(double value) {
            this.weight = value;
            return this;
        }

        public Builder maxDelayNanos(long nanos) {
            this.maxDelayNanos = nanos;
            return this;
        }

        public QosParameters build() {
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
                    maxDelayNanos);
        }
    }
}
