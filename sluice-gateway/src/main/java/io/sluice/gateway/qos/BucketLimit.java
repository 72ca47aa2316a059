package io.sluice.gateway.qos;

/**
 * One throttle limit in QEMU's terms (docs/throttle.txt): a sustained {@code rate} in units per second (I/Os or bytes),
 * and optionally a {@code burst} rate that may be kept up for {@code burstSeconds}. A rate of 0 means no limit. Without
 * a burst rate a limit still lets a tenth of a second's worth through at once, so a client's natural clumping is not
 * penalized.
 */
public record BucketLimit(double rate, double burst, double burstSeconds) {
    public static final BucketLimit NONE = new BucketLimit(0, 0, 1);

    public BucketLimit {
        if (!(rate >= 0)
                || !(burst >= 0)
                || !(burstSeconds >= 1)
                || Double.isInfinite(rate)
                || Double.isInfinite(burst)
                || Double.isInfinite(burstSeconds)) {
            throw new IllegalArgumentException(
                    "limit needs rate >= 0, burst >= 0, burstSeconds >= 1: " + text(rate, burst, burstSeconds));
        }
        if (burst > 0 && burst < rate) {
            throw new IllegalArgumentException(
                    "burst must be 0 or at least the rate: " + text(rate, burst, burstSeconds));
        }
        if (burst > 0 && rate == 0) {
            throw new IllegalArgumentException("a burst needs a rate: " + text(rate, burst, burstSeconds));
        }
        if (burstSeconds > 1 && burst == 0) {
            throw new IllegalArgumentException("burstSeconds needs a burst rate: " + text(rate, burst, burstSeconds));
        }
    }

    public static BucketLimit of(double rate) {
        return new BucketLimit(rate, 0, 1);
    }

    public boolean limited() {
        return rate > 0;
    }

    private static String text(double rate, double burst, double burstSeconds) {
        return "rate=" + rate + " burst=" + burst + " burstSeconds=" + burstSeconds;
    }
}
