package io.sluice.db.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes a row by its key so that transactions writing the same new key at once all succeed. A plain "update, and
 * insert if nothing was updated" lets them all find no row, and every insert but the first then violates the key.
 */
final class Upserts {
    private Upserts() {}

    /** Binds one statement's parameters. */
    @FunctionalInterface
    interface Parameters {
        void bind(PreparedStatement s) throws SQLException;
    }

    /**
     * Runs {@code update}; if it changed no row, {@code insert}, which must end in {@code ON CONFLICT DO NOTHING}; if
     * that inserted nothing either, another transaction inserted the key meanwhile, and {@code update} runs again on
     * its row.
     *
     * <p>Why this shape: {@code ON CONFLICT DO NOTHING} waits for a concurrent insert of the key to commit or roll
     * back, then skips instead of failing, on PostgreSQL and on H2 in PostgreSQL mode alike. Catching the violation
     * instead would abort the caller's transaction on PostgreSQL, H2 has no {@code ON CONFLICT DO UPDATE}, and H2's
     * {@code MERGE ... USING} fails this race with the same violation. The second update sees the other transaction's
     * row because the pool runs at READ COMMITTED; no code deletes these rows, so it is still there. An update whose
     * own condition refuses the stored row (an older observation) changes nothing, as before.
     *
     * <p>An insert that lists its columns in the update's parameter order takes the same binding.
     */
    static void upsert(
            Connection c, String update, Parameters updateParameters, String insert, Parameters insertParameters)
            throws SQLException {
        if (execute(c, update, updateParameters) == 0 && execute(c, insert, insertParameters) == 0) {
            execute(c, update, updateParameters);
        }
    }

    private static int execute(Connection c, String sql, Parameters parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            parameters.bind(s);
            return s.executeUpdate();
        }
    }
}
