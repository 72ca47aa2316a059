package io.sluice.db.store;

import io.sluice.protocol.LatencyBuckets;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code volume_hours}: per volume and hour (both directions together), the ops, bytes, minute rows and latency
 * histogram of every minute row rolled up so far, the current hour included. It exists for {@code samples.summary}: a
 * day of a thousand volumes is 24,000 narrow rows here against 46,000 hour rows and up to 120,000 minute rows of 35
 * columns, which H2 evaluates value by value.
 *
 * <p>The key is one BIGINT, the hour's index in the high 32 bits and the volume id in the low 32: H2 stores a table in
 * the order of a single-BIGINT primary key, so an hour range is one contiguous scan without a lookup per row (any other
 * key is a secondary index over a hidden row id). The histogram is one binary column of {@link LatencyBuckets#COUNT}
 * big-endian longs, summed in Java instead of 24 SQL aggregates.
 *
 * <p>Rows are added to as the minute rollup writes minute rows, in its transaction, so a row always equals the sum of
 * its hour's minute rows (minute rows are never rewritten), until retention deletes minute rows; it is deleted with the
 * hour rows.
 */
public final class VolumeHours {
    static final long HOUR = Resolution.HOUR.millis();
    static final int HISTOGRAM_BYTES = LatencyBuckets.COUNT * Long.BYTES;
    private static final int FLUSH_ROWS = 20_000;
    private static final String BUCKETS = SampleRepository.bucketColumns("b");

    private final TreeMap<Long, long[]> pending = new TreeMap<>();

    /** The key of {@code volumeId}'s row for the hour holding {@code t}. */
    static long key(int volumeId, long t) {
        return (Math.floorDiv(t, HOUR) << 32) | Integer.toUnsignedLong(volumeId);
    }

    /** The first key of the hour starting at {@code hour} (hour-aligned). */
    static long firstKey(long hour) {
        return Math.floorDiv(hour, HOUR) << 32;
    }

    /** Adds the minute rows of [from, to) to their volumes' hour rows. */
    public static void addMinutes(Connection c, long from, long to) throws SQLException {
        VolumeHours hours = new VolumeHours();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT volume_id, t, ops, bytes, 1, " + BUCKETS + " FROM samples_1m WHERE t >= ? AND t < ?")) {
            s.setLong(1, from);
            s.setLong(2, to);
            try (ResultSet r = s.executeQuery()) {
                hours.add(r, c);
            }
        }
        hours.write(c);
    }

    /** Deletes the rows of hours starting before {@code cutoff}, as retention does for samples_1h. */
    public static int deleteBefore(Connection c, long cutoff) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM volume_hours WHERE k < ?")) {
            s.setLong(1, firstKey(Math.ceilDiv(cutoff, HOUR) * HOUR));
            return s.executeUpdate();
        }
    }

    /**
     * Fills the table from the data of a schema before it (the V6 migration): the hours the hour rollup has completed
     * from samples_1h (their minute rows may be gone), later hours from samples_1m.
     */
    public static void fill(Connection c) throws SQLException {
        long hoursDone = Long.MIN_VALUE;
        try (PreparedStatement s =
                        c.prepareStatement("SELECT done_until FROM rollup_progress WHERE resolution = '1h'");
                ResultSet r = s.executeQuery()) {
            if (r.next()) {
                hoursDone = r.getLong(1);
            }
        }
        fill(
                c,
                "SELECT volume_id, t, ops, bytes, minutes, " + BUCKETS + " FROM samples_1h WHERE t < ? ORDER BY t",
                hoursDone);
        fill(
                c,
                "SELECT volume_id, t, ops, bytes, 1, " + BUCKETS + " FROM samples_1m WHERE t >= ? ORDER BY t",
                hoursDone);
    }

    private static void fill(Connection c, String sql, long split) throws SQLException {
        VolumeHours hours = new VolumeHours();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, split);
            s.setFetchSize(4_096);
            try (ResultSet r = s.executeQuery()) {
                hours.add(r, c);
            }
        }
        hours.write(c);
    }

    /**
     * Adds rows of (volume_id, t, ops, bytes, minutes, b0..b23) to the pending hour rows, each to the hour holding its
     * t, writing them out whenever {@link #FLUSH_ROWS} are pending (a write adds to what is stored, so writing in parts
     * comes to the same).
     */
    private void add(ResultSet rows, Connection c) throws SQLException {
        while (rows.next()) {
            long[] totals = pending.computeIfAbsent(
                    key(rows.getInt(1), rows.getLong(2)), k -> new long[3 + LatencyBuckets.COUNT]);
            for (int i = 0; i < totals.length; i++) {
                totals[i] += rows.getLong(3 + i);
            }
            if (pending.size() >= FLUSH_ROWS) {
                write(c);
            }
        }
    }

    /** Adds the pending totals to the stored rows (inserting those not stored yet) and forgets them. */
    private void write(Connection c) throws SQLException {
        if (pending.isEmpty()) {
            return;
        }
        TreeMap<Long, long[]> stored = new TreeMap<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT k, ops, bytes, minutes, latency FROM volume_hours WHERE k >= ? AND k <= ?")) {
            s.setLong(1, pending.firstKey());
            s.setLong(2, pending.lastKey());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long k = r.getLong(1);
                    long[] add = pending.get(k);
                    if (add != null) {
                        long[] row = new long[add.length];
                        row[0] = r.getLong(2);
                        row[1] = r.getLong(3);
                        row[2] = r.getLong(4);
                        addHistogram(row, 3, r.getBytes(5), 1);
                        stored.put(k, row);
                    }
                }
            }
        }
        try (PreparedStatement update = c.prepareStatement(
                        "UPDATE volume_hours SET ops = ?, bytes = ?, minutes = ?, latency = ? WHERE k = ?");
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO volume_hours (ops, bytes, minutes, latency, k, volume_id, t) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<Long, long[]> e : pending.entrySet()) {
                long k = e.getKey();
                long[] totals = e.getValue();
                long[] row = stored.get(k);
                if (row != null) {
                    for (int i = 0; i < totals.length; i++) {
                        totals[i] += row[i];
                    }
                }
                PreparedStatement s = row != null ? update : insert;
                s.setLong(1, totals[0]);
                s.setLong(2, totals[1]);
                s.setLong(3, totals[2]);
                s.setBytes(4, histogram(totals, 3));
                s.setLong(5, k);
                if (row == null) {
                    s.setInt(6, (int) k);
                    s.setLong(7, (k >>> 32) * HOUR);
                }
                s.addBatch();
            }
            update.executeBatch();
            insert.executeBatch();
        }
        pending.clear();
    }

    /**
     * Adds the rows of the hours in [fromHour, toHour) to {@code totals} (all volumes when {@code volumeIds} is null).
     */
    static void sum(Connection c, VolumeTotals totals, int[] volumeIds, long fromHour, long toHour)
            throws SQLException {
        if (toHour <= fromHour) {
            return;
        }
        StringBuilder sql = new StringBuilder("SELECT volume_id, ops, bytes, minutes, latency FROM volume_hours");
        if (volumeIds == null) {
            sql.append(" WHERE k >= ? AND k < ?");
        } else {
            // Few volumes of many: their own rows by (volume_id, t) rather than every volume's hours.
            sql.append(" WHERE t >= ? AND t < ? AND volume_id IN (")
                    .append("?, ".repeat(volumeIds.length - 1))
                    .append("?)");
        }
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            s.setLong(1, volumeIds == null ? firstKey(fromHour) : fromHour);
            s.setLong(2, volumeIds == null ? firstKey(toHour) : toHour);
            if (volumeIds != null) {
                for (int i = 0; i < volumeIds.length; i++) {
                    s.setInt(3 + i, volumeIds[i]);
                }
            }
            s.setFetchSize(4_096);
            try (ResultSet r = s.executeQuery()) {
                long[] row = new long[3 + LatencyBuckets.COUNT];
                while (r.next()) {
                    row[0] = r.getLong(2);
                    row[1] = r.getLong(3);
                    row[2] = r.getLong(4);
                    Arrays.fill(row, 3, row.length, 0);
                    addHistogram(row, 3, r.getBytes(5), 1);
                    totals.add(r.getInt(1), row);
                }
            }
        }
    }

    /** The histogram column's bytes for {@code totals[offset..offset + COUNT)}. */
    static byte[] histogram(long[] totals, int offset) {
        ByteBuffer bytes = ByteBuffer.allocate(HISTOGRAM_BYTES);
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            bytes.putLong(totals[offset + b]);
        }
        return bytes.array();
    }

    /** Adds {@code sign} times the histogram column's buckets to {@code totals[offset..]}. */
    static void addHistogram(long[] totals, int offset, byte[] histogram, int sign) throws SQLException {
        if (histogram == null || histogram.length != HISTOGRAM_BYTES) {
            throw new SQLException(
                    "volume_hours.latency holds " + (histogram == null ? "null" : histogram.length + " bytes")
                            + ", not " + HISTOGRAM_BYTES,
                    "XX001");
        }
        ByteBuffer bytes = ByteBuffer.wrap(histogram);
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            totals[offset + b] += sign * bytes.getLong(b * Long.BYTES);
        }
    }
}
