package io.sluice.db.store;

import static io.sluice.protocol.SampleBatchDescriptor.*;

import io.sluice.protocol.LatencyBuckets;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Per-second samples: appended in batches, deduplicated by (caller, batch id) in the same transaction, and read back as
 * range queries and per-volume summaries at any resolution. PostgreSQL gets the samples through binary COPY, H2 through
 * one batched prepared insert.
 */
public final class SampleRepository {
    /** The columns of samples_1s in the order every insert path writes them. */
    public static final String SAMPLE_COLUMNS =
            "volume_id, direction, t, gateway_id, interval_ms, queue_depth, ops, bytes,"
                    + " throttled_ops, latency_sum, iops_limit, " + bucketColumns("b");

    public static final int SAMPLE_COLUMN_COUNT = 11 + LatencyBuckets.COUNT;
    private static final String INSERT_SAMPLE =
            "INSERT INTO samples_1s (" + SAMPLE_COLUMNS + ") VALUES (" + "?, ".repeat(SAMPLE_COLUMN_COUNT - 1) + "?)";
    private static final String COPY_SAMPLES = "COPY samples_1s (" + SAMPLE_COLUMNS + ") FROM STDIN (FORMAT binary)";
    private static final String BUCKET_SUMS = bucketSums();

    private final Engine engine;
    private final RollupRepository rollups = new RollupRepository();

    public SampleRepository(Engine engine) {
        this.engine = engine;
    }

    /**
     * Stores the batches not stored before (by caller and batch id) and returns how many samples were new. The caller
     * commits; a rollback leaves neither the samples nor the batch ids.
     */
    public int append(Connection c, List<SampleBatch> batches, long now) throws SQLException {
        List<SampleBatch> fresh = new ArrayList<>(batches.size());
        try (PreparedStatement seen =
                c.prepareStatement("SELECT 1 FROM sample_batches WHERE source = ? AND batch_id = ?")) {
            for (SampleBatch batch : batches) {
                seen.setInt(1, batch.source());
                seen.setLong(2, batch.batchId());
                try (ResultSet r = seen.executeQuery()) {
                    if (!r.next() && !containsId(fresh, batch)) {
                        fresh.add(batch);
                    }
                }
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO sample_batches (source, batch_id, samples, stored_at) VALUES (?, ?, ?, ?)")) {
            for (SampleBatch batch : fresh) {
                s.setInt(1, batch.source());
                s.setLong(2, batch.batchId());
                s.setInt(3, batch.sampleCount());
                s.setLong(4, now);
                s.addBatch();
            }
            s.executeBatch();
        }
        return engine == Engine.POSTGRESQL ? copy(c, fresh) : insertBatched(c, fresh);
    }

    /** The batches whose (caller, batch id) the database does not know, in their order. */
    public List<SampleBatch> unseen(Connection c, List<SampleBatch> batches) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT source, batch_id FROM sample_batches WHERE ");
        for (int i = 0; i < batches.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(source = ? AND batch_id = ?)");
        }
        List<SampleBatch> seen = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (SampleBatch batch : batches) {
                s.setInt(p++, batch.source());
                s.setLong(p++, batch.batchId());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    seen.add(new SampleBatch(r.getInt(1), r.getLong(2), null));
                }
            }
        }
        List<SampleBatch> unseen = new ArrayList<>(batches.size());
        for (SampleBatch batch : batches) {
            if (!containsId(seen, batch)) {
                unseen.add(batch);
            }
        }
        return unseen;
    }

    /** Whether {@code batches} hold one with {@code batch}'s caller and batch id. */
    public static boolean containsId(List<SampleBatch> batches, SampleBatch batch) {
        for (SampleBatch b : batches) {
            if (b.source() == batch.source() && b.batchId() == batch.batchId()) {
                return true;
            }
        }
        return false;
    }

    private static int insertBatched(Connection c, List<SampleBatch> batches) throws SQLException {
        int stored = 0;
        try (PreparedStatement s = c.prepareStatement(INSERT_SAMPLE)) {
            for (SampleBatch batch : batches) {
                ByteBuffer buffer = ByteBuffer.wrap(batch.bytes());
                int count = buffer.getInt(COUNT_OFFSET);
                for (int i = 0; i < count; i++) {
                    bindSample(s, buffer, sampleOffset(i));
                    s.addBatch();
                }
                stored += count;
            }
            s.executeBatch();
        }
        return stored;
    }

    /** Binds the sample at {@code offset} to the {@link #SAMPLE_COLUMNS} parameters of {@code s}. */
    public static void bindSample(PreparedStatement s, ByteBuffer buffer, int offset) throws SQLException {
        s.setInt(1, buffer.getInt(offset + VOLUME_ID_OFFSET));
        s.setShort(2, (short) buffer.getInt(offset + DIRECTION_OFFSET));
        s.setLong(3, buffer.getLong(offset + INTERVAL_START_OFFSET));
        s.setLong(4, buffer.getLong(offset + GATEWAY_ID_OFFSET));
        s.setInt(5, buffer.getInt(offset + INTERVAL_LENGTH_OFFSET));
        s.setInt(6, buffer.getInt(offset + QUEUE_DEPTH_OFFSET));
        s.setLong(7, buffer.getLong(offset + OPS_OFFSET));
        s.setLong(8, buffer.getLong(offset + BYTES_OFFSET));
        s.setLong(9, buffer.getLong(offset + THROTTLED_OPS_OFFSET));
        s.setLong(10, buffer.getLong(offset + LATENCY_SUM_OFFSET));
        s.setLong(11, buffer.getLong(offset + IOPS_LIMIT_OFFSET));
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            s.setLong(12 + b, buffer.getInt(offset + BUCKETS_OFFSET + b * 4) & 0xFFFF_FFFFL);
        }
    }

    private static int copy(Connection c, List<SampleBatch> batches) throws SQLException {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_SAMPLES);
        CopyBinary rows = new CopyBinary(512);
        int stored = 0;
        try {
            for (SampleBatch batch : batches) {
                ByteBuffer buffer = ByteBuffer.wrap(batch.bytes());
                int count = buffer.getInt(COUNT_OFFSET);
                for (int i = 0; i < count; i++) {
                    rows.row(buffer, sampleOffset(i));
                    if (rows.isFull()) {
                        rows.flush(copy, false);
                    }
                }
                stored += count;
            }
            rows.flush(copy, true);
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
        return stored;
    }

    /**
     * Up to {@code limit} points of one volume in [from, to) after {@code afterT}, oldest first. The rows are read in
     * index order and the rows of one window (directions, gateways) summed here, which costs both engines far less than
     * grouping in SQL; the caller bounds [from, to) to about a page.
     */
    public List<SamplePoint> range(
            Connection c,
            int volumeId,
            Integer direction,
            long from,
            long to,
            long afterT,
            Resolution resolution,
            int limit)
            throws SQLException {
        String window = resolution == Resolution.SECOND ? "interval_ms" : String.valueOf(resolution.millis());
        String sql =
                "SELECT t, ops, bytes, throttled_ops, latency_sum, iops_limit, " + window + ", " + bucketColumns("b")
                        + " FROM " + resolution.table() + " WHERE volume_id = ? AND t >= ? AND t < ? AND t > ?"
                        + (direction == null ? "" : " AND direction = ?") + " ORDER BY t";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            int i = 1;
            s.setInt(i++, volumeId);
            s.setLong(i++, from);
            s.setLong(i++, to);
            s.setLong(i++, afterT);
            if (direction != null) {
                s.setShort(i, direction.shortValue());
            }
            s.setFetchSize(4 * limit);
            List<SamplePoint> points = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                long t = 0;
                long[] sums = null;
                long[] buckets = null;
                while (r.next()) {
                    long rowT = r.getLong(1);
                    if (sums == null || rowT != t) {
                        if (sums != null) {
                            points.add(point(t, sums, buckets));
                            if (points.size() == limit) {
                                return points;
                            }
                        }
                        t = rowT;
                        sums = new long[6];
                        buckets = new long[LatencyBuckets.COUNT];
                    }
                    for (int k = 0; k < 4; k++) {
                        sums[k] += r.getLong(2 + k);
                    }
                    sums[4] = Math.max(sums[4], r.getLong(6));
                    sums[5] = Math.max(sums[5], r.getLong(7));
                    for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                        buckets[b] += r.getLong(8 + b);
                    }
                }
                if (sums != null) {
                    points.add(point(t, sums, buckets));
                }
            }
            return points;
        }
    }

    private static SamplePoint point(long t, long[] sums, long[] buckets) {
        return new SamplePoint(t, sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], buckets);
    }

    /**
     * Totals per volume over [from, to): all volumes when {@code volumeIds} is null. At 1 min, whole hours come from
     * {@link VolumeHours} (one narrow row per volume and hour, kept up to date by the minute rollup) and only the edges
     * of the range from samples_1m: a day of a thousand volumes is 2.9 million minute rows, too many to sum per query,
     * against 24,000 volume-hour rows. An edge is read from its minute rows or, when that is fewer rows, from its
     * hour's row less the minute rows outside the edge; the figures are the same either way, as an hour row sums
     * exactly the minute rows of its hour (see {@link #startEdge} and {@link #endEdge} for when that is known to hold).
     */
    public List<VolumeSummary> summary(Connection c, int[] volumeIds, long from, long to, Resolution resolution)
            throws SQLException {
        VolumeTotals totals = new VolumeTotals();
        long hour = Resolution.HOUR.millis();
        long hoursFrom = Math.ceilDiv(from, hour) * hour;
        long hoursTo = Math.floorDiv(to, hour) * hour;
        if (resolution != Resolution.MINUTE || hoursTo < hoursFrom) {
            sum(c, totals, resolution, "COUNT(*)", volumeIds, from, to);
            return totals.summaries();
        }
        // Read before any hour row: a minute window rolled up by then is in the hour rows read after.
        Long minutesBefore = rollups.doneUntil(c, Resolution.MINUTE);
        VolumeHours.sum(c, totals, volumeIds, hoursFrom, hoursTo);
        startEdge(c, totals, volumeIds, from, hoursFrom, minutesBefore);
        endEdge(c, totals, volumeIds, hoursTo, to);
        return totals.summaries();
    }

    /**
     * [from, hoursFrom), the end of the hour before the first whole one. Read as that hour's row less its minute rows
     * before {@code from} when that is fewer minutes, provided the row is complete (the minute rollup had passed the
     * hour before the row was read) and no minute row of the hour was deleted (retention deletes rows before a cutoff,
     * and the earliest minute row kept is not later than the hour's start).
     */
    private void startEdge(
            Connection c, VolumeTotals totals, int[] volumeIds, long from, long hoursFrom, Long minutesBefore)
            throws SQLException {
        if (from == hoursFrom) {
            return;
        }
        long hour = hoursFrom - Resolution.HOUR.millis();
        if (hoursFrom - from > from - hour && minutesBefore != null && minutesBefore >= hoursFrom) {
            Long earliest = rollups.earliest(c, Resolution.MINUTE);
            if (earliest != null && earliest <= hour) {
                VolumeTotals edge = new VolumeTotals();
                VolumeHours.sum(c, edge, volumeIds, hour, hoursFrom);
                VolumeTotals before = new VolumeTotals();
                sum(c, before, Resolution.MINUTE, "COUNT(*)", volumeIds, hour, from);
                edge.subtract(before);
                totals.addEdge(edge);
                return;
            }
        }
        sum(c, totals, Resolution.MINUTE, "COUNT(*)", volumeIds, from, hoursFrom);
    }

    /**
     * [hoursTo, to), the start of the last hour. Read as that hour's row when the minute rollup has not got past
     * {@code to} (checked after the row was read): the row then holds exactly the minute rows before {@code to}, which
     * is the usual case of a range ending now.
     */
    private void endEdge(Connection c, VolumeTotals totals, int[] volumeIds, long hoursTo, long to)
            throws SQLException {
        if (to == hoursTo) {
            return;
        }
        VolumeTotals edge = new VolumeTotals();
        VolumeHours.sum(c, edge, volumeIds, hoursTo, hoursTo + Resolution.HOUR.millis());
        Long minutesAfter = rollups.doneUntil(c, Resolution.MINUTE);
        if (minutesAfter != null && to >= minutesAfter) {
            totals.addEdge(edge);
        } else {
            sum(c, totals, Resolution.MINUTE, "COUNT(*)", volumeIds, hoursTo, to);
        }
    }

    /** Adds the samples_1s rows in [from, to) to {@code totals}, each row a point (the 1 s summary's figures). */
    void sumSeconds(Connection c, VolumeTotals totals, int[] volumeIds, long from, long to) throws SQLException {
        sum(c, totals, Resolution.SECOND, "COUNT(*)", volumeIds, from, to);
    }

    /**
     * Adds the rows of {@code table} in [from, to) to {@code totals}, grouped by volume; {@code points} counts the rows
     * of the requested resolution that they stand for.
     */
    private static void sum(
            Connection c, VolumeTotals totals, Resolution table, String points, int[] volumeIds, long from, long to)
            throws SQLException {
        if (to <= from) {
            return;
        }
        // Sums cast back to BIGINT: PostgreSQL's SUM(BIGINT) is NUMERIC, which the driver decodes
        // through BigDecimal, a cost the thousands of sums of a large summary notice.
        StringBuilder sql = new StringBuilder(
                        "SELECT volume_id, CAST(SUM(ops) AS BIGINT), CAST(SUM(bytes) AS BIGINT), CAST(")
                .append(points)
                .append(" AS BIGINT), ")
                .append(BUCKET_SUMS)
                .append(" FROM ")
                .append(table.table())
                .append(" WHERE t >= ? AND t < ?");
        if (volumeIds != null) {
            sql.append(" AND volume_id IN (")
                    .append("?, ".repeat(Math.max(0, volumeIds.length - 1)))
                    .append("?)");
        }
        sql.append(" GROUP BY volume_id");
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            s.setLong(1, from);
            s.setLong(2, to);
            if (volumeIds != null) {
                for (int i = 0; i < volumeIds.length; i++) {
                    s.setInt(3 + i, volumeIds[i]);
                }
            }
            try (ResultSet r = s.executeQuery()) {
                totals.add(r);
            }
        }
    }

    public long count(Connection c, Resolution resolution) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + resolution.table());
                ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    static String bucketColumns(String prefix) {
        StringBuilder columns = new StringBuilder();
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            columns.append(b == 0 ? "" : ", ").append(prefix).append(b);
        }
        return columns.toString();
    }

    private static String bucketSums() {
        StringBuilder sums = new StringBuilder();
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            sums.append(b == 0 ? "" : ", ").append("CAST(SUM(b").append(b).append(") AS BIGINT)");
        }
        return sums.toString();
    }

    /**
     * COPY's binary format for samples: the server takes the values as they are instead of parsing decimals. One reused
     * buffer: header once, then per row the field count and each field as length + big-endian value, then the trailer.
     */
    private static final class CopyBinary {
        private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
        static final int ROW_BYTES =
                2 + SAMPLE_COLUMN_COUNT * 4 + 4 + 2 + 8 + 8 + 4 + 4 + 8 * 5 + 8 * LatencyBuckets.COUNT;
        private final ByteBuffer out;

        CopyBinary(int rows) {
            out = ByteBuffer.allocate(SIGNATURE.length + 8 + rows * ROW_BYTES + 2);
            out.put(SIGNATURE).putInt(0).putInt(0);
        }

        void row(ByteBuffer in, int offset) {
            out.putShort((short) SAMPLE_COLUMN_COUNT);
            out.putInt(4).putInt(in.getInt(offset + VOLUME_ID_OFFSET));
            out.putInt(2).putShort((short) in.getInt(offset + DIRECTION_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + INTERVAL_START_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + GATEWAY_ID_OFFSET));
            out.putInt(4).putInt(in.getInt(offset + INTERVAL_LENGTH_OFFSET));
            out.putInt(4).putInt(in.getInt(offset + QUEUE_DEPTH_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + OPS_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + BYTES_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + THROTTLED_OPS_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + LATENCY_SUM_OFFSET));
            out.putInt(8).putLong(in.getLong(offset + IOPS_LIMIT_OFFSET));
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                out.putInt(8).putLong(in.getInt(offset + BUCKETS_OFFSET + b * 4) & 0xFFFF_FFFFL);
            }
        }

        boolean isFull() {
            return out.remaining() < ROW_BYTES + 2;
        }

        /** Hands what is buffered to COPY and starts over (without the header, which is sent once). */
        void flush(CopyIn copy, boolean last) throws SQLException {
            if (last) {
                out.putShort((short) -1);
            }
            copy.writeToCopy(out.array(), 0, out.position());
            out.clear();
        }
    }
}
