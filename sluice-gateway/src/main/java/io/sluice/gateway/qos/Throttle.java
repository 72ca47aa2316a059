package io.sluice.gateway.qos;

/**
 * The six leaky buckets of one volume (IOPS and bandwidth; total, read, write), shared by every connection to it. Reads
 * check the total and read buckets, writes the total and write buckets, and the longest wait wins, as in QEMU's
 * throttle groups. The limits are passed in on every call rather than stored, so a parameter swap takes effect on the
 * next decision while the bucket levels carry over.
 *
 * <p>Not thread-safe: the owning scheduler's lock guards it.
 */
public final class Throttle {
    private final LeakyBucket iops = new LeakyBucket();
    private final LeakyBucket readIops = new LeakyBucket();
    private final LeakyBucket writeIops = new LeakyBucket();
    private final LeakyBucket bandwidth = new LeakyBucket();
    private final LeakyBucket readBandwidth = new LeakyBucket();
    private final LeakyBucket writeBandwidth = new LeakyBucket();
    private long lastLeakNanos;

    public Throttle(long nowNanos) {
        this.lastLeakNanos = nowNanos;
    }

    /** Leaks every bucket up to {@code nowNanos} under {@code p}. */
    public void leak(QosParameters p, long nowNanos) {
        long elapsed = nowNanos - lastLeakNanos;
        if (elapsed <= 0) {
            return;
        }
        lastLeakNanos = nowNanos;
        iops.leak(p.iops(), elapsed);
        readIops.leak(p.readIops(), elapsed);
        writeIops.leak(p.writeIops(), elapsed);
        bandwidth.leak(p.bandwidth(), elapsed);
        readBandwidth.leak(p.readBandwidth(), elapsed);
        writeBandwidth.leak(p.writeBandwidth(), elapsed);
    }

    /** Makes {@code p} the limits from now on; call {@link #leak} with the old ones first. */
    public void clamp(QosParameters p) {
        iops.clamp(p.iops());
        readIops.clamp(p.readIops());
        writeIops.clamp(p.writeIops());
        bandwidth.clamp(p.bandwidth());
        readBandwidth.clamp(p.readBandwidth());
        writeBandwidth.clamp(p.writeBandwidth());
    }

    /** How long the next I/O in that direction must wait; call {@link #leak} first. */
    public long waitNanos(QosParameters p, boolean write) {
        long wait = Math.max(iops.waitNanos(p.iops()), bandwidth.waitNanos(p.bandwidth()));
        if (write) {
            wait = Math.max(
                    wait, Math.max(writeIops.waitNanos(p.writeIops()), writeBandwidth.waitNanos(p.writeBandwidth())));
        } else {
            wait = Math.max(
                    wait, Math.max(readIops.waitNanos(p.readIops()), readBandwidth.waitNanos(p.readBandwidth())));
        }
        return wait;
    }

    /** Accounts an admitted I/O of {@code bytes} counting as {@code units} I/Os. */
    public void account(QosParameters p, boolean write, long bytes, double units) {
        iops.pour(p.iops(), units);
        bandwidth.pour(p.bandwidth(), bytes);
        if (write) {
            writeIops.pour(p.writeIops(), units);
            writeBandwidth.pour(p.writeBandwidth(), bytes);
        } else {
            readIops.pour(p.readIops(), units);
            readBandwidth.pour(p.readBandwidth(), bytes);
        }
    }
}
