package io.sluice.bench;

/**
 * What QEMU's throttle semantics (docs/throttle.txt) let through under one IOPS limit with a burst, for a client that
 * keeps the limit backlogged from the moment the bucket is empty: a sustained {@code rate}, a burst {@code burst} rate
 * (iops-total-max) and a burst length {@code burstSeconds} (iops-total-max-length).
 *
 * <p>The main bucket holds {@code burst * burstSeconds} and leaks at the rate; with a length over one second a second
 * bucket of {@code burst / 10} leaks at the burst rate, so the burst itself goes at that rate after a first tenth of a
 * second's worth at once. A backlogged client therefore has {@code burst / 10 + burst * t} admitted by time {@code t}
 * until the main bucket is full, and {@code burst * burstSeconds + rate * t} after that: the burst lasts a little
 * longer than its nominal length because the bucket leaks meanwhile. (With a length of one second there is no second
 * bucket: the whole {@code burst} may go at once.) Admission is decided before an I/O is poured in, so either server
 * may be one I/O over; the benchmark's counts are thousands, so that is below its resolution.
 */
record BurstAllowance(double rate, double burst, double burstSeconds) {
    BurstAllowance {
        if (!(rate > 0) || !(burst >= rate) || !(burstSeconds >= 1)) {
            throw new IllegalArgumentException(
                    "need rate > 0, burst >= rate, burstSeconds >= 1: " + rate + " " + burst + " " + burstSeconds);
        }
    }

    /** I/Os admitted at once, before the burst rate applies. */
    double initial() {
        return burstSeconds > 1 ? burst / 10 : burst * burstSeconds;
    }

    /** I/Os a backlogged client has had admitted {@code seconds} after the first one. */
    double allowed(double seconds) {
        return Math.min(initial() + burst * seconds, burst * burstSeconds + rate * seconds);
    }

    /** When the main bucket is full and the rate takes over: the end of the burst window. */
    double burstEndSeconds() {
        return burst == rate ? Double.POSITIVE_INFINITY : (burst * burstSeconds - initial()) / (burst - rate);
    }
}
