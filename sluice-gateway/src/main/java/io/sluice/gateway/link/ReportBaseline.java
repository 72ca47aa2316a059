package io.sluice.gateway.link;

import io.sluice.gateway.stats.DirectionSnapshot;
import io.sluice.gateway.stats.VolumeStats;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.util.Arrays;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Turns the gateway's cumulative counters into "since the previous report" for one volume and direction: ops, bytes,
 * time throttled, and the total-latency histogram folded into the protocol's log2 {@link LatencyBuckets} with its sum.
 * The baseline moves only when a report was written to the socket, so a report lost with a broken connection is folded
 * into the next one rather than lost (a report is computed from the gateway's cumulative snapshot).
 */
final class ReportBaseline {
    private final long[] ops = new long[2];
    private final long[] bytes = new long[2];
    private final long[] throttledNanos = new long[2];
    private final long[] latencySum = new long[2];
    private final long[][] buckets = new long[2][LatencyBuckets.COUNT];

    private final long[] pendingOps = new long[2];
    private final long[] pendingBytes = new long[2];
    private final long[] pendingThrottled = new long[2];
    private final long[] pendingSum = new long[2];
    private final long[][] pendingBuckets = new long[2][LatencyBuckets.COUNT];

    /** Writes the record for {@code stats}, remembering the cumulative values for {@link #commit()}. */
    void write(VolumeStats stats, int volumeId, VolumeStatsFlyweight record) {
        record.volumeId(volumeId)
                .queueDepth(stats.read().queueDepth() + stats.write().queueDepth())
                .throttleVersion(stats.qosVersion())
                .capacityBytes(Math.max(0, stats.capacityBytes()))
                .usedBytes(Math.max(0, stats.usedBytes()));
        direction(0, IoDirection.READ, stats.read(), record);
        direction(1, IoDirection.WRITE, stats.write(), record);
    }

    /** The report went out: the values it was computed from become the baseline. */
    void commit() {
        for (int d = 0; d < 2; d++) {
            ops[d] = pendingOps[d];
            bytes[d] = pendingBytes[d];
            throttledNanos[d] = pendingThrottled[d];
            latencySum[d] = pendingSum[d];
            System.arraycopy(pendingBuckets[d], 0, buckets[d], 0, LatencyBuckets.COUNT);
        }
    }

    private void direction(int d, IoDirection direction, DirectionSnapshot snapshot, VolumeStatsFlyweight record) {
        pendingOps[d] = snapshot.ops();
        pendingBytes[d] = snapshot.bytes();
        pendingThrottled[d] = snapshot.throttledNanos();
        long[] cumulative = pendingBuckets[d];
        Arrays.fill(cumulative, 0);
        long sum = 0;
        Histogram histogram = snapshot.totalHistogram();
        if (histogram != null && histogram.getTotalCount() > 0) {
            for (HistogramIterationValue value : histogram.recordedValues()) {
                long micros = histogram.medianEquivalentValue(value.getValueIteratedTo());
                long count = value.getCountAtValueIteratedTo();
                cumulative[LatencyBuckets.bucketOf(micros)] += count;
                sum += micros * count;
            }
        }
        pendingSum[d] = sum;
        record.ops(direction, Math.max(0, snapshot.ops() - ops[d]))
                .bytes(direction, Math.max(0, snapshot.bytes() - bytes[d]))
                .throttledNanos(direction, Math.max(0, snapshot.throttledNanos() - throttledNanos[d]))
                .latencySumMicros(direction, Math.max(0, sum - latencySum[d]));
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            long delta = cumulative[b] - buckets[d][b];
            if (delta > 0) {
                record.latencyBucket(direction, b, delta);
            }
        }
    }
}
