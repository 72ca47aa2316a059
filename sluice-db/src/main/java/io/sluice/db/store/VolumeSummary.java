package io.sluice.db.store;

/** One volume's totals over a range; {@code points} counts stored rows (one per direction and window). */
public record VolumeSummary(int volumeId, long ops, long bytes, long points, long[] buckets) {
    public long latencyP99Micros() {
        return LatencyPercentiles.of(buckets, 99);
    }
}
