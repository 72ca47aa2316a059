package io.sluice.db.store;

import static io.sluice.protocol.SampleBatchDescriptor.*;

import io.sluice.protocol.LatencyBuckets;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code samples_1m} rows of one minute summed in Java from the samples the minute writer holds (the minute-rows
 * layout has no 1 s rows to roll up in SQL), plus whatever {@code samples_1s} rows the minute has from before the
 * layout was switched on: the same figures as {@link RollupRepository#rollUp}'s.
 */
public final class MinuteAggregates {
    private static final int SAMPLES = 0;
    private static final int OPS = 1;
    private static final int MIN_OPS = 5;
    private static final int MAX_OPS = 6;
    private static final int IOPS_LIMIT = 7;
    private static final int FIRST_BUCKET = 8;
    private static final int WIDTH = FIRST_BUCKET + LatencyBuckets.COUNT;
    private static final String INSERT = "INSERT INTO samples_1m (volume_id, direction, t, samples, ops, bytes,"
            + " throttled_ops, latency_sum, min_ops, max_ops, iops_limit, " + SampleRepository.bucketColumns("b")
            + ") VALUES (" + "?, ".repeat(10 + LatencyBuckets.COUNT) + "?)";
    private static final int FLUSH_ROWS = 512;

    private final long minute;
    private final Map<Long, long[]> rows = new HashMap<>();
    /** The rows of the volume the last samples were of, by direction: a volume's samples come together. */
    private final long[][] current = new long[2][];

    private int currentVolume;

    public MinuteAggregates(long minute) {
        this.minute = minute;
    }

    /** Adds the minute's {@code samples_1s} rows, grouped as the SQL rollup groups them. */
    public void addRows(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT volume_id, direction, COUNT(*), SUM(ops), SUM(bytes),"
                + " SUM(throttled_ops), SUM(latency_sum), MIN(ops), MAX(ops), MAX(iops_limit), "
                + bucketSums() + " FROM samples_1s WHERE t >= ? AND t < ? GROUP BY volume_id, direction")) {
            s.setLong(1, minute);
            s.setLong(2, minute + MinuteSamplesDescriptor.MINUTE_MILLIS);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long[] row = row(r.getInt(1), r.getInt(2));
                    long[] add = new long[WIDTH];
                    for (int k = 0; k < WIDTH; k++) {
                        add[k] = r.getLong(3 + k);
                    }
                    merge(row, add);
                }
            }
        }
    }

    /** Adds the fixed-layout sample at {@code buffer[offset]}. */
    public void add(ByteBuffer buffer, int offset) {
        int volumeId = buffer.getInt(offset + VOLUME_ID_OFFSET);
        int direction = buffer.getInt(offset + DIRECTION_OFFSET) & 1;
        if (volumeId != currentVolume || current[direction] == null) {
            if (volumeId != currentVolume) {
                current[0] = null;
                current[1] = null;
                currentVolume = volumeId;
            }
            current[direction] = row(volumeId, direction);
        }
        long[] row = current[direction];
        long ops = buffer.getLong(offset + OPS_OFFSET);
        boolean first = row[SAMPLES] == 0;
        row[SAMPLES]++;
        row[OPS] += ops;
        row[2] += buffer.getLong(offset + BYTES_OFFSET);
        row[3] += buffer.getLong(offset + THROTTLED_OPS_OFFSET);
        row[4] += buffer.getLong(offset + LATENCY_SUM_OFFSET);
        row[MIN_OPS] = first ? ops : Math.min(row[MIN_OPS], ops);
        row[MAX_OPS] = first ? ops : Math.max(row[MAX_OPS], ops);
        row[IOPS_LIMIT] = Math.max(row[IOPS_LIMIT], buffer.getLong(offset + IOPS_LIMIT_OFFSET));
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            row[FIRST_BUCKET + b] += buffer.getInt(offset + BUCKETS_OFFSET + b * 4) & 0xFFFF_FFFFL;
        }
    }

    private static void merge(long[] row, long[] add) {
        boolean first = row[SAMPLES] == 0;
        for (int k = 0; k < WIDTH; k++) {
            if (k == MIN_OPS) {
                row[k] = first ? add[k] : Math.min(row[k], add[k]);
            } else if (k == MAX_OPS || k == IOPS_LIMIT) {
                row[k] = first ? add[k] : Math.max(row[k], add[k]);
            } else {
                row[k] += add[k];
            }
        }
    }

    private long[] row(int volumeId, int direction) {
        return rows.computeIfAbsent(((long) volumeId << 1) | direction, k -> new long[WIDTH]);
    }

    /** Inserts the minute's rows; returns how many. */
    public int insert(Connection c) throws SQLException {
        int pending = 0;
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            for (Map.Entry<Long, long[]> e : rows.entrySet()) {
                long[] row = e.getValue();
                s.setInt(1, (int) (e.getKey() >> 1));
                s.setShort(2, (short) (e.getKey() & 1));
                s.setLong(3, minute);
                s.setInt(4, (int) row[SAMPLES]);
                for (int k = OPS; k < WIDTH; k++) {
                    s.setLong(4 + k, row[k]);
                }
                s.addBatch();
                if (++pending == FLUSH_ROWS) {
                    s.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                s.executeBatch();
            }
        }
        return rows.size();
    }

    private static String bucketSums() {
        StringBuilder sums = new StringBuilder();
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            sums.append(b == 0 ? "" : ", ").append("SUM(b").append(b).append(')');
        }
        return sums.toString();
    }
}
