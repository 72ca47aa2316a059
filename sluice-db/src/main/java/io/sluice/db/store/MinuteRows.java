package io.sluice.db.store;

import static io.sluice.protocol.SampleBatchDescriptor.INTERVAL_START_OFFSET;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * {@code minute_samples}: one row per volume, minute and part, its samples in one binary column
 * ({@link MinuteSamplesDescriptor}). Written by the minute writer ({@link MinuteRowWriter}), read sample by sample by
 * the 1 s reads, deleted a whole minute at a time by retention.
 */
public final class MinuteRows {
    private MinuteRows() {}

    /**
     * Hands {@code sink} each stored sample of {@code volumeIds} (all when null) with a start in [from, to), in the
     * fixed layout.
     */
    public static void visit(Connection c, int[] volumeIds, long from, long to, OpenSeconds.SampleSink sink)
            throws SQLException {
        if (to <= from) {
            return;
        }
        StringBuilder sql = new StringBuilder("SELECT body FROM minute_samples WHERE t >= ? AND t < ?");
        if (volumeIds != null) {
            sql.append(" AND volume_id IN (")
                    .append("?, ".repeat(volumeIds.length - 1))
                    .append("?)");
        }
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            s.setLong(1, MinuteSamplesDescriptor.minuteOf(from));
            s.setLong(2, to);
            if (volumeIds != null) {
                for (int i = 0; i < volumeIds.length; i++) {
                    s.setInt(3 + i, volumeIds[i]);
                }
            }
            s.setFetchSize(256);
            MinuteSamplesFlyweight minute = new MinuteSamplesFlyweight();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    byte[] body = r.getBytes(1);
                    minute.wrap(ByteBuffer.wrap(body), 0);
                    if (!minute.isWellFormed(body.length)) {
                        throw new SQLException(
                                "minute_samples row of minute " + minute.minute() + " is not a whole number of samples",
                                "XX001");
                    }
                    ByteBuffer buffer = minute.buffer();
                    for (int i = 0; i < minute.count(); i++) {
                        int offset = minute.sampleOffset(i);
                        long t = buffer.getLong(offset + INTERVAL_START_OFFSET);
                        if (t >= from && t < to) {
                            sink.sample(buffer, offset);
                        }
                    }
                }
            }
        }
    }

    /** Deletes the minutes before the minute holding {@code cutoff}: whole minutes only. */
    public static int deleteBefore(Connection c, long cutoff) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM minute_samples WHERE t < ?")) {
            s.setLong(1, MinuteSamplesDescriptor.minuteOf(cutoff));
            return s.executeUpdate();
        }
    }
}
