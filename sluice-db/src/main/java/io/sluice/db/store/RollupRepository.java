package io.sluice.db.store;

import io.sluice.protocol.LatencyBuckets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Rollups from 1 s to 1 min and from 1 min to 1 h, each window written once together with the progress mark in one
 * transaction (the minute rollup also adds its rows to {@link VolumeHours}); and retention, which never deletes what is
 * not rolled up yet.
 */
public final class RollupRepository {
    /** Where the rollup into {@code target} has got to; null if it never ran. */
    public Long doneUntil(Connection c, Resolution target) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT done_until FROM rollup_progress WHERE resolution = ?")) {
            s.setString(1, target.label());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : null;
            }
        }
    }

    /** The earliest window start in {@code resolution}'s table, or null if it is empty. */
    public Long earliest(Connection c, Resolution resolution) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT MIN(t) FROM " + resolution.table());
                ResultSet r = s.executeQuery()) {
            r.next();
            long t = r.getLong(1);
            return r.wasNull() ? null : t;
        }
    }

    /** Rolls [from, to) of the finer table into {@code target}'s windows and records {@code to} as done. */
    public int rollUp(Connection c, Resolution target, long from, long to) throws SQLException {
        long w = target.millis();
        String window = "(t / " + w + ") * " + w;
        String sql;
        if (target == Resolution.MINUTE) {
            sql =
                    "INSERT INTO samples_1m (volume_id, direction, t, samples, ops, bytes, throttled_ops, latency_sum, min_ops,"
                            + " max_ops, iops_limit, " + SampleRepository.bucketColumns("b")
                            + ") SELECT volume_id, direction, "
                            + window
                            + ", COUNT(*), SUM(ops), SUM(bytes), SUM(throttled_ops), SUM(latency_sum), MIN(ops), MAX(ops),"
                            + " MAX(iops_limit), " + sums()
                            + " FROM samples_1s WHERE t >= ? AND t < ? GROUP BY volume_id, direction, " + window;
        } else if (target == Resolution.HOUR) {
            sql =
                    "INSERT INTO samples_1h (volume_id, direction, t, samples, minutes, ops, bytes, throttled_ops, latency_sum,"
                            + " min_ops, max_ops, iops_limit, " + SampleRepository.bucketColumns("b")
                            + ") SELECT volume_id, direction, "
                            + window
                            + ", SUM(samples), COUNT(*), SUM(ops), SUM(bytes), SUM(throttled_ops), SUM(latency_sum), MIN(min_ops),"
                            + " MAX(max_ops), MAX(iops_limit), " + sums() + " FROM samples_1m WHERE t >= ? AND t < ?"
                            + " GROUP BY volume_id, direction, " + window;
        } else {
            throw new IllegalArgumentException("nothing rolls up into " + target);
        }
        int rows;
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, from);
            s.setLong(2, to);
            rows = s.executeUpdate();
        }
        if (target == Resolution.MINUTE) {
            VolumeHours.addMinutes(c, from, to);
        }
        recordDone(c, target, to);
        return rows;
    }

    /**
     * Records that the rollup into {@code target} is complete before {@code to}. The rollup does it itself; the
     * benchmark, which writes a day of minute rows directly, records where they end.
     */
    public void recordDone(Connection c, Resolution target, long to) throws SQLException {
        Upserts.Parameters progress = s -> {
            s.setLong(1, to);
            s.setString(2, target.label());
        };
        Upserts.upsert(
                c,
                "UPDATE rollup_progress SET done_until = ? WHERE resolution = ?",
                progress,
                "INSERT INTO rollup_progress (done_until, resolution) VALUES (?, ?) ON CONFLICT DO NOTHING",
                progress);
    }

    /** Deletes windows of {@code resolution} that start before {@code cutoff}; returns how many. */
    public int deleteBefore(Connection c, Resolution resolution, long cutoff) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM " + resolution.table() + " WHERE t < ?")) {
            s.setLong(1, cutoff);
            return s.executeUpdate();
        }
    }

    /** Forgets batch ids stored before {@code cutoff}: no caller redelivers a batch that old. */
    public int deleteBatchIdsBefore(Connection c, long cutoff) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM sample_batches WHERE stored_at < ?")) {
            s.setLong(1, cutoff);
            return s.executeUpdate();
        }
    }

    private static String sums() {
        StringBuilder sums = new StringBuilder();
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            sums.append(b == 0 ? "" : ", ").append("SUM(b").append(b).append(')');
        }
        return sums.toString();
    }
}
