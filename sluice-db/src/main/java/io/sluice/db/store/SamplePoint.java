package io.sluice.db.store;

/** One point of a range query: sums over one window (both directions summed unless one was asked for). */
public record SamplePoint(
        long t,
        long ops,
        long bytes,
        long throttledOps,
        long latencySumMicros,
        long iopsLimit,
        long windowMillis,
        long[] buckets) {
    public double iops() {
        return windowMillis == 0 ? 0 : ops * 1000.0 / windowMillis;
    }

    public double bytesPerSec() {
        return windowMillis == 0 ? 0 : bytes * 1000.0 / windowMillis;
    }

    public long latencyMeanMicros() {
        return ops == 0 ? 0 : latencySumMicros / ops;
    }

    public long latencyPercentile(double percentile) {
        return LatencyPercentiles.of(buckets, percentile);
    }
}
