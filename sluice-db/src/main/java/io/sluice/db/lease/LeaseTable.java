package io.sluice.db.lease;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The statements on {@code server_lease}, each one autocommitted statement so it is atomic on its own. Every time in
 * them is the database's ({@code now()}: the start of the statement's transaction, after the request left the host),
 * never a host's, so clock skew between hosts cannot make a lease look expired early.
 */
final class LeaseTable {
    /** The one lease the servers sharing a database compete for. */
    static final String NAME = "server";

    /** The lease as the database holds it. */
    record Row(String holder, long epoch, boolean valid) {}

    private LeaseTable() {}

    /**
     * Takes the lease if it is free (never taken, expired by the database's clock, or already this instance's), with
     * the epoch one more than the last; returns that epoch, or 0 if another holds it. ON CONFLICT locks the row and
     * checks the condition against its latest version, so of several servers trying at once exactly one wins.
     */
    static long acquire(Connection c, String holder, String token, long durationMillis) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO server_lease AS l (name, holder, token, epoch, acquired_at, expires_at)"
                        + " VALUES (?, ?, ?, 1, now(), now() + ? * INTERVAL '1 millisecond')"
                        + " ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, token = EXCLUDED.token,"
                        + " epoch = l.epoch + 1, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at"
                        + " WHERE l.expires_at <= now() OR l.token = EXCLUDED.token"
                        + " RETURNING epoch")) {
            s.setString(1, NAME);
            s.setString(2, holder);
            s.setString(3, token);
            s.setLong(4, durationMillis);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    /** Extends this instance's lease at {@code epoch} if it still holds it and it has not expired. */
    static boolean renew(Connection c, String token, long epoch, long durationMillis) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("UPDATE server_lease SET expires_at = now() + ? * INTERVAL '1 millisecond'"
                        + " WHERE name = ? AND token = ? AND epoch = ? AND expires_at > now()")) {
            s.setLong(1, durationMillis);
            s.setString(2, NAME);
            s.setString(3, token);
            s.setLong(4, epoch);
            return s.executeUpdate() == 1;
        }
    }

    /** Ends this instance's lease at {@code epoch} now, so a standby need not wait for it to expire. */
    static void release(Connection c, String token, long epoch) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE server_lease SET expires_at = now() WHERE name = ? AND token = ? AND epoch = ? AND expires_at > now()")) {
            s.setString(1, NAME);
            s.setString(2, token);
            s.setLong(3, epoch);
            s.executeUpdate();
        }
    }

    /** The lease's holder and epoch and whether it is unexpired; null if it was never taken. */
    static Row read(Connection c) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT holder, epoch, expires_at > now() FROM server_lease WHERE name = ?")) {
            s.setString(1, NAME);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? new Row(r.getString(1), r.getLong(2), r.getBoolean(3)) : null;
            }
        }
    }
}
