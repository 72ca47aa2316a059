package io.sluice.sim;

import io.sluice.protocol.Capabilities;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleRefusal;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.util.SplittableRandom;

/**
 * One simulated volume: a workload that wants a fixed demand, a throttle that caps it, and a backend that slowly fills.
 * Every report turns the parameters in force into the numbers a real gateway's scheduler would count, so an analyzer
 * that lowers a limit sees the volume's operations fall to it, and its throttled time, queue and latency rise.
 *
 * <h2>The model</h2>
 *
 * The application keeps a fixed number of I/Os outstanding (a closed loop, like fio with an iodepth), so without a
 * throttle it runs at its demand with the device's base latency. With a throttle it gets {@code delivered = min(demand,
 * allowed)} per direction, where {@code allowed} comes from the per-direction limits first (IOPS, bandwidth), then the
 * totals, shared between reads and writes in proportion to what each got. By Little's law the same outstanding I/Os at
 * a lower rate wait longer: {@code latency = base * demand / delivered}; the part above {@code base} is time held by
 * the throttle, and every operation of a throttled direction was held. Latencies are spread over the log2 buckets
 * around the mean (10% a bucket below, 70% in it, 15% and 5% one and two above), so a histogram moves to the right as
 * the pressure grows.
 *
 * <p>Size normalization counts an I/O of {@code s} bytes as {@code ceil(s / n)} operations against the IOPS limits.
 * Weights, reservations and bursts are accepted (reservations are checked against the limits) but do not shape the
 * numbers; a latency target is refused, as a real gateway refuses it: one volume alone has nobody to share spare
 * capacity with.
 *
 * <p>Used by one thread (its gateway's loop); nothing is allocated per report.
 */
public final class SyntheticVolume {
    /** I/Os the application keeps outstanding: the scheduler's queue depth when fully throttled. */
    static final int APPLICATION_QUEUE_DEPTH = 32;

    private static final double DEMAND_JITTER = 0.04;

    /** The id the gateway proposes, then the one the monitor assigned; the gateway's loop thread only. */
    private int volumeId;

    private final String name;
    private final long capacityBytes;
    private final double readIops;
    private final double writeIops;
    private final int blockSize;
    private final double newDataFraction;
    private final long warningBytes;
    private final SplittableRandom random;

    private long usedBytes;
    private boolean warned;
    private int queueDepth;
    private double readCarry;
    private double writeCarry;

    private long version;
    private long iopsLimit;
    private long readIopsLimit;
    private long writeIopsLimit;
    private long bandwidthLimit;
    private long readBandwidthLimit;
    private long writeBandwidthLimit;
    private long sizeNormalizationBytes;

    /** Draws the volume's workload and backend from {@code profile} with {@code seed}. */
    public SyntheticVolume(int volumeId, String name, VolumeProfile profile, long seed) {
        this.volumeId = volumeId;
        this.name = name;
        this.random = new SplittableRandom(seed);
        double iops = profile.minIops() + random.nextDouble() * (profile.maxIops() - profile.minIops());
        double reads = profile.minReadFraction()
                + random.nextDouble() * (profile.maxReadFraction() - profile.minReadFraction());
        int[] sizes = profile.blockSizes();
        this.readIops = iops * reads;
        this.writeIops = iops - readIops;
        this.blockSize = sizes[random.nextInt(sizes.length)];
        this.capacityBytes = profile.capacityBytes();
        double used = profile.minUsedFraction()
                + random.nextDouble() * (profile.maxUsedFraction() - profile.minUsedFraction());
        this.usedBytes = (long) (capacityBytes * used);
        this.newDataFraction = profile.newDataFraction();
        this.warningBytes = (long) (capacityBytes * profile.warningFraction());
    }

    public int volumeId() {
        return volumeId;
    }

    void assignId(int id) {
        this.volumeId = id;
    }

    public String name() {
        return name;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public long usedBytes() {
        return usedBytes;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Demand, reads and writes together, in I/Os per second. */
    public double demandIops() {
        return readIops + writeIops;
    }

    /** The version of the parameters in force; 0 before the first THROTTLE_SET. */
    public long version() {
        return version;
    }

    public long iopsLimit() {
        return iopsLimit;
    }

    /**
     * Applies one volume's parameter set if its version is newer than the one in force: all parameters at once, or none
     * when a real gateway with the same capabilities would refuse them ({@link ThrottleRefusal}).
     */
    public ThrottleAckStatus apply(ThrottleParamsFlyweight params) {
        long offered = params.version();
        if (offered == version) {
            return ThrottleAckStatus.ALREADY_APPLIED;
        }
        if (Long.compareUnsigned(offered, version) < 0) {
            return ThrottleAckStatus.STALE;
        }
        ThrottleAckStatus refused = ThrottleRefusal.of(params, Capabilities.SLUICE_GATEWAY);
        if (refused != null) {
            return refused;
        }
        version = offered;
        iopsLimit = params.iopsLimit();
        readIopsLimit = params.readIopsLimit();
        writeIopsLimit = params.writeIopsLimit();
        bandwidthLimit = params.bandwidthLimit();
        readBandwidthLimit = params.readBandwidthLimit();
        writeBandwidthLimit = params.writeBandwidthLimit();
        sizeNormalizationBytes = params.sizeNormalizationBytes();
        return ThrottleAckStatus.APPLIED;
    }

    /**
     * Fills {@code record} with what happened over the last {@code intervalMillis}, and grows the backend by the new
     * data written.
     */
    public void report(VolumeStatsFlyweight record, int intervalMillis) {
        double jitter = 1 + DEMAND_JITTER * (random.nextDouble() - 0.5);
        double readDemand = readIops * jitter;
        double writeDemand = writeIops * jitter;
        double opCost = sizeNormalizationBytes == 0 ? 1 : Math.ceil((double) blockSize / sizeNormalizationBytes);

        double reads = Math.min(readDemand, cap(readIopsLimit, readBandwidthLimit, opCost));
        double writes = Math.min(writeDemand, cap(writeIopsLimit, writeBandwidthLimit, opCost));
        double share = Math.min(1, cap(iopsLimit, bandwidthLimit, opCost) / Math.max(reads + writes, Double.MIN_VALUE));
        reads *= share;
        writes *= share;

        double seconds = intervalMillis / 1000.0;
        double readOps = reads * seconds + readCarry;
        double writeOps = writes * seconds + writeCarry;
        long wholeReads = (long) readOps;
        long wholeWrites = (long) writeOps;
        readCarry = readOps - wholeReads;
        writeCarry = writeOps - wholeWrites;

        double readPressure = pressure(readDemand, reads);
        double writePressure = pressure(writeDemand, writes);
        fill(record, IoDirection.READ, wholeReads, readPressure, baseLatencyMicros(IoDirection.READ));
        fill(record, IoDirection.WRITE, wholeWrites, writePressure, baseLatencyMicros(IoDirection.WRITE));

        double held = 1 - 1 / Math.max(readPressure, writePressure);
        queueDepth = (int) Math.round(APPLICATION_QUEUE_DEPTH * held);
        usedBytes = Math.min(capacityBytes, usedBytes + (long) (wholeWrites * blockSize * newDataFraction));
        record.volumeId(volumeId)
                .queueDepth(queueDepth)
                .throttleVersion(version)
                .capacityBytes(capacityBytes)
                .usedBytes(usedBytes);
    }

    /** True once, the first time it is asked after usage reached the warning threshold. */
    public boolean takeCapacityWarning() {
        if (warned || usedBytes < warningBytes) {
            return false;
        }
        warned = true;
        return true;
    }

    /** I/Os per second a pair of limits allows, 0 meaning none; infinite when neither is set. */
    private double cap(long iops, long bytesPerSecond, double opCost) {
        double byIops = iops == 0 ? Double.POSITIVE_INFINITY : iops / opCost;
        double byBandwidth = bytesPerSecond == 0 ? Double.POSITIVE_INFINITY : (double) bytesPerSecond / blockSize;
        return Math.min(byIops, byBandwidth);
    }

    private static double pressure(double demand, double delivered) {
        if (demand <= 0) {
            return 1;
        }
        // A direction throttled to nothing: its I/Os wait forever, which the top bucket stands for.
        return delivered <= 0 ? 1e6 : Math.max(1, demand / delivered);
    }

    /** The device's latency: a fixed cost and a transfer at about 2 GB/s. */
    private long baseLatencyMicros(IoDirection direction) {
        return (direction == IoDirection.READ ? 150 : 300) + blockSize / 2048;
    }

    private void fill(VolumeStatsFlyweight record, IoDirection direction, long ops, double pressure, long baseMicros) {
        long meanMicros =
                (long) Math.min(LatencyBuckets.lowerBoundMicros(LatencyBuckets.COUNT - 1), baseMicros * pressure);
        record.ops(direction, ops).bytes(direction, ops * blockSize).latencySumMicros(direction, ops * meanMicros);
        if (pressure > 1) {
            record.throttledOps(direction, ops).throttledNanos(direction, ops * (meanMicros - baseMicros) * 1000);
        }
        int bucket = LatencyBuckets.bucketOf(meanMicros);
        long below = ops / 10;
        long above = ops * 15 / 100;
        long farAbove = ops / 20;
        add(record, direction, Math.max(0, bucket - 1), below);
        add(record, direction, bucket, ops - below - above - farAbove);
        add(record, direction, Math.min(LatencyBuckets.COUNT - 1, bucket + 1), above);
        add(record, direction, Math.min(LatencyBuckets.COUNT - 1, bucket + 2), farAbove);
    }

    private static void add(VolumeStatsFlyweight record, IoDirection direction, int bucket, long count) {
        record.latencyBucket(direction, bucket, record.latencyBucket(direction, bucket) + count);
    }
}
