package io.sluice.services.stats;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.VolumeStatsFlyweight;

/**
 * The most recent reports of one volume at one gateway, oldest overwritten first. Each report is kept as the live view
 * needs it (counters and three percentiles per direction, not the 192 bytes of histograms), in parallel primitive
 * arrays: 600 reports cost about 60 KB and nothing is allocated per report.
 */
final class StatsRing {
    private final long[] startMillis;
    private final int[] intervalMillis;
    private final long[] readOps;
    private final long[] writeOps;
    private final long[] readBytes;
    private final long[] writeBytes;
    private final long[] throttledOps;
    private final int[] queueDepth;
    /** Per report: read p50, p95, p99, then write p50, p95, p99. */
    private final float[] percentiles;

    private final long[] histogram = new long[LatencyBuckets.COUNT];
    private int next;
    private int size;

    StatsRing(int capacity) {
        startMillis = new long[capacity];
        intervalMillis = new int[capacity];
        readOps = new long[capacity];
        writeOps = new long[capacity];
        readBytes = new long[capacity];
        writeBytes = new long[capacity];
        throttledOps = new long[capacity];
        queueDepth = new int[capacity];
        percentiles = new float[capacity * 6];
    }

    int size() {
        return size;
    }

    /** Start of the newest report kept; {@link Long#MIN_VALUE} when empty. */
    long newestStart() {
        return size == 0 ? Long.MIN_VALUE : startMillis[index(size - 1)];
    }

    /**
     * Keeps one report. A report no newer than the newest kept (the same report sent again after a reconnect) is
     * ignored; returns false then.
     */
    boolean add(long start, int lengthMillis, VolumeStatsFlyweight record) {
        if (start <= newestStart()) {
            return false;
        }
        int slot = next;
        startMillis[slot] = start;
        intervalMillis[slot] = lengthMillis;
        readOps[slot] = record.ops(IoDirection.READ);
        writeOps[slot] = record.ops(IoDirection.WRITE);
        readBytes[slot] = record.bytes(IoDirection.READ);
        writeBytes[slot] = record.bytes(IoDirection.WRITE);
        throttledOps[slot] = record.throttledOps(IoDirection.READ) + record.throttledOps(IoDirection.WRITE);
        queueDepth[slot] = record.queueDepth();
        putPercentiles(slot * 6, record, IoDirection.READ);
        putPercentiles(slot * 6 + 3, record, IoDirection.WRITE);
        next = (next + 1) % startMillis.length;
        size = Math.min(size + 1, startMillis.length);
        return true;
    }

    /** Report {@code i}, 0 being the oldest kept. */
    StatsPoint point(int volumeId, int i) {
        int slot = index(i);
        double seconds = intervalMillis[slot] / 1000.0;
        int p = slot * 6;
        return new StatsPoint(
                volumeId,
                startMillis[slot],
                intervalMillis[slot],
                readOps[slot] / seconds,
                writeOps[slot] / seconds,
                readBytes[slot] / seconds,
                writeBytes[slot] / seconds,
                throttledOps[slot],
                queueDepth[slot],
                percentiles[p],
                percentiles[p + 1],
                percentiles[p + 2],
                percentiles[p + 3],
                percentiles[p + 4],
                percentiles[p + 5]);
    }

    /** Index of the first report starting at or after {@code fromMillis}; {@link #size()} when none. */
    int firstAtOrAfter(long fromMillis) {
        int low = 0;
        int high = size;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (startMillis[index(mid)] < fromMillis) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    long startOf(int i) {
        return startMillis[index(i)];
    }

    private int index(int i) {
        return Math.floorMod(next - size + i, startMillis.length);
    }

    private void putPercentiles(int at, VolumeStatsFlyweight record, IoDirection direction) {
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            histogram[b] = record.latencyBucket(direction, b);
        }
        percentiles[at] = (float) LatencyHistogram.percentileMicros(histogram, 50);
        percentiles[at + 1] = (float) LatencyHistogram.percentileMicros(histogram, 95);
        percentiles[at + 2] = (float) LatencyHistogram.percentileMicros(histogram, 99);
    }
}
