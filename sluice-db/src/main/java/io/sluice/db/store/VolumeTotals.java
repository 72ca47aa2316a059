package io.sluice.db.store;

import io.sluice.protocol.LatencyBuckets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Per-volume totals added up from several grouped row sets (whole hours from one table, the edges
 * of the range from another): ops, bytes and points summed, latency histograms summed bucket by
 * bucket, so percentiles come from the merged histogram.
 */
final class VolumeTotals {
    private static final int OPS = 0;
    private static final int BYTES = 1;
    private static final int POINTS = 2;
    private static final int FIRST_BUCKET = 3;

    private final TreeMap<Integer, long[]> byVolume = new TreeMap<>();

    /** Adds rows of (volume_id, ops, bytes, points, b0..b23), one or more per volume. */
    void add(ResultSet rows) throws SQLException {
        while (rows.next()) {
            long[] totals = byVolume.computeIfAbsent(rows.getInt(1), v -> new long[FIRST_BUCKET + LatencyBuckets.COUNT]);
            for (int k = 0; k < totals.length; k++) {
                totals[k] += rows.getLong(2 + k);
            }
        }
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
