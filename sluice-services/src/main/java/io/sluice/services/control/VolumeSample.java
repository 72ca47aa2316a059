package io.sluice.services.control;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.VolumeStatsFlyweight;

/**
 * What one gateway measured for one volume over one report interval, copied out of a STATS record so it outlives the
 * frame.
 *
 * @param queueDepth I/Os the gateway's scheduler held at the end of the interval
 * @param throttledOps I/Os the scheduler held back at least once, both directions
 */
public record VolumeSample(
        long gatewayId,
        int volumeId,
        long intervalStartMillis,
        int intervalMillis,
        int queueDepth,
        long throttleVersion,
        long capacityBytes,
        long usedBytes,
        long readOps,
        long writeOps,
        long readBytes,
        long writeBytes,
        long throttledOps,
        long[] readLatency,
        long[] writeLatency) {

    /** Copies record {@code index} of the STATS frame {@code stats} wraps. */
    public static VolumeSample from(StatsReader stats, int index) {
        VolumeStatsFlyweight record = stats.volume(index);
        long[] read = new long[LatencyBuckets.COUNT];
        long[] write = new long[LatencyBuckets.COUNT];
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            read[b] = record.latencyBucket(IoDirection.READ, b);
            write[b] = record.latencyBucket(IoDirection.WRITE, b);
        }
        return new VolumeSample(
                stats.gatewayId(),
                record.volumeId(),
                stats.intervalStartMillis(),
                stats.intervalMillis(),
                record.queueDepth(),
                record.throttleVersion(),
                record.capacityBytes(),
                record.usedBytes(),
                record.ops(IoDirection.READ),
                record.ops(IoDirection.WRITE),
                record.bytes(IoDirection.READ),
                record.bytes(IoDirection.WRITE),
                record.throttledOps(IoDirection.READ) + record.throttledOps(IoDirection.WRITE),
                read,
                write);
    }

    /**
     * Operations as the SLA counts them: with size normalization {@code n} > 0 an I/O of s bytes counts as ceil(s / n),
     * which over an interval is at least the byte count divided by n.
     */
    public long normalizedOps(long sizeNormalizationBytes) {
        if (sizeNormalizationBytes <= 0) {
            return readOps + writeOps;
        }
        return Math.max(readOps, ceilDiv(readBytes, sizeNormalizationBytes))
                + Math.max(writeOps, ceilDiv(writeBytes, sizeNormalizationBytes));
    }

    /** True when the gateway held some of this volume's I/O back: it wanted more than it got. */
    public boolean held() {
        return queueDepth > 0 || throttledOps > 0;
    }

    public double seconds() {
        return intervalMillis / 1000.0;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
