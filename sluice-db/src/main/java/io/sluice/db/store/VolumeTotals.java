package io.sluice.db.store;

import io.sluice.protocol.LatencyBuckets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-volume totals added up from several row sets (whole hours from one table, the edges of the range from another):
 * ops, bytes and points summed, latency histograms summed bucket by bucket, so percentiles come from the merged
 * histogram. An edge may also be an hour's totals less the minute rows outside the edge ({@link #subtract}, then
 * {@link #addEdge}).
 */
final class VolumeTotals {
    static final int OPS = 0;
    static final int BYTES = 1;
    static final int POINTS = 2;
    static final int FIRST_BUCKET = 3;
    static final int WIDTH = FIRST_BUCKET + LatencyBuckets.COUNT;

    private final TreeMap<Integer, long[]> byVolume = new TreeMap<>();

    /** Adds rows of (volume_id, ops, bytes, points, b0..b23), one or more per volume. */
    void add(ResultSet rows) throws SQLException {
        while (rows.next()) {
            long[] totals = totals(rows.getInt(1));
            for (int k = 0; k < totals.length; k++) {
                totals[k] += rows.getLong(2 + k);
            }
        }
    }

    /** Adds one row laid out as ops, bytes, points, then the buckets. */
    void add(int volumeId, long[] row) {
        long[] totals = totals(volumeId);
        for (int k = 0; k < totals.length; k++) {
            totals[k] += row[k];
        }
    }

    /** Takes {@code other}'s totals away from these, volume by volume. */
    void subtract(VolumeTotals other) {
        other.byVolume.forEach((volume, row) -> {
            long[] totals = totals(volume);
            for (int k = 0; k < totals.length; k++) {
                totals[k] -= row[k];
            }
        });
    }

    /**
     * Adds the volumes of {@code edge} that hold at least one row of the edge: a volume whose hour rows all lie outside
     * the edge would have no row in it, so it is not counted as present.
     */
    void addEdge(VolumeTotals edge) {
        for (Map.Entry<Integer, long[]> e : edge.byVolume.entrySet()) {
            if (e.getValue()[POINTS] > 0) {
                add(e.getKey(), e.getValue());
            }
        }
    }

    private long[] totals(int volumeId) {
        return byVolume.computeIfAbsent(volumeId, v -> new long[WIDTH]);
    }

    /** The totals in volume order. */
    List<VolumeSummary> summaries() {
        List<VolumeSummary> summaries = new ArrayList<>(byVolume.size());
        byVolume.forEach((volume, totals) -> {
            long[] buckets = new long[LatencyBuckets.COUNT];
            System.arraycopy(totals, FIRST_BUCKET, buckets, 0, buckets.length);
            summaries.add(new VolumeSummary(volume, totals[OPS], totals[BYTES], totals[POINTS], buckets));
        });
        return summaries;
    }
}
