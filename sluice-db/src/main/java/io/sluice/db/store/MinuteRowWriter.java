package io.sluice.db.store;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes {@code minute_samples} rows in one transaction: on PostgreSQL through binary COPY (a minute of ten thousand
 * volumes is 200 MB of bodies, which COPY takes without a statement per row), else, and for a later part whose rows a
 * replay may find already there, through a batched insert.
 */
public abstract sealed class MinuteRowWriter implements AutoCloseable {
    private static final String COLUMNS = "minute_samples (volume_id, t, part, samples, body)";

    /** A writer of the rows of one minute's part; {@code skipExisting} for a later part (insert, conflicts skipped). */
    public static MinuteRowWriter open(Connection c, Engine engine, boolean skipExisting) throws SQLException {
        return engine == Engine.POSTGRESQL && !skipExisting ? new Copy(c) : new Batched(c, skipExisting);
    }

    public abstract void row(int volumeId, long minute, long part, int samples, byte[] body) throws SQLException;

    /** Sends what is left; the rows are then part of the transaction. */
    public abstract void finish() throws SQLException;

    @Override
    public abstract void close() throws SQLException;

    private static final class Batched extends MinuteRowWriter {
        private static final int FLUSH_ROWS = 256;
        private final PreparedStatement insert;
        private int pending;

        Batched(Connection c, boolean skipExisting) throws SQLException {
            String sql = "INSERT INTO " + COLUMNS + " VALUES (?, ?, ?, ?, ?)";
            insert = c.prepareStatement(skipExisting ? sql + " ON CONFLICT DO NOTHING" : sql);
        }

        @Override
        public void row(int volumeId, long minute, long part, int samples, byte[] body) throws SQLException {
            insert.setInt(1, volumeId);
            insert.setLong(2, minute);
            insert.setLong(3, part);
            insert.setInt(4, samples);
            insert.setBytes(5, body);
            insert.addBatch();
            if (++pending == FLUSH_ROWS) {
                finish();
            }
        }

        @Override
        public void finish() throws SQLException {
            if (pending > 0) {
                insert.executeBatch();
                pending = 0;
            }
        }

        @Override
        public void close() throws SQLException {
            insert.close();
        }
    }

    /** COPY's binary format: the header once, per row the field count and each field as length + value. */
    private static final class Copy extends MinuteRowWriter {
        private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
        private final CopyIn copy;
        private final ByteBuffer head = ByteBuffer.allocate(SIGNATURE.length + 8 + 2 + 4 * 5 + 4 + 8 + 8 + 4);

        Copy(Connection c) throws SQLException {
            // The bodies are TOASTed: pglz, the default, took the server longer than the rest of the minute's write
            // together; lz4 where the server has it, for this transaction's values only (any method reads back).
            try (PreparedStatement s = c.prepareStatement("SELECT set_config('default_toast_compression', 'lz4', TRUE)"
                    + " FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)")) {
                s.executeQuery().close();
            }
            copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + COLUMNS + " FROM STDIN (FORMAT binary)");
            head.put(SIGNATURE).putInt(0).putInt(0);
        }

        @Override
        public void row(int volumeId, long minute, long part, int samples, byte[] body) throws SQLException {
            head.putShort((short) 5);
            head.putInt(4).putInt(volumeId);
            head.putInt(8).putLong(minute);
            head.putInt(8).putLong(part);
            head.putInt(4).putInt(samples);
            head.putInt(body.length);
            copy.writeToCopy(head.array(), 0, head.position());
            head.clear();
            copy.writeToCopy(body, 0, body.length);
        }

        @Override
        public void finish() throws SQLException {
            head.putShort((short) -1);
            copy.writeToCopy(head.array(), 0, head.position());
            head.clear();
            copy.endCopy();
        }

        @Override
        public void close() throws SQLException {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }
}
