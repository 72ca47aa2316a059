package io.sluice.db.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The server's volume ids (migration V10, {@code volume_identities}): a volume's key ({@code owner}: its gateway's id,
 * or {@code *} for a shared volume; its {@code name}) keeps its id for good. A transaction that gives ids first takes
 * its turn ({@link #takeTurn}, a row lock held to its commit), so ids are chosen and caps checked by one transaction at
 * a time on every engine; the conditional INSERT ({@code ON CONFLICT DO NOTHING}, on the id and on the key) stays as
 * the second guard.
 */
public final class VolumeIdentityRepository {
    /** The owner of a volume flagged shared: its name alone is its key. */
    public static final String SHARED = "*";
    /** Tries at one key before giving up: each lost race means another monitor stored a row, so few are ever needed. */
    private static final int TRIES = 64;

    /** One kept assignment. */
    public record Identity(int volumeId, String owner, String name) {}

    /**
     * Waits until no other open transaction gives ids, and holds that turn until {@code c} commits or rolls back (the
     * update's row lock). Taking it again in the same transaction is free. Needed because, under READ COMMITTED, a
     * transaction cannot see the ids another has stored but not committed; on H2 its conditional INSERT of the same id
     * could then succeed too.
     */
    public void takeTurn(Connection c) throws SQLException {
        if (nextTurn(c)) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO volume_identity_writer (id, turns) VALUES (1, 0) ON CONFLICT DO NOTHING")) {
            s.executeUpdate();
        }
        if (!nextTurn(c)) {
            throw new SQLException("volume_identity_writer: its one row can be neither made nor updated");
        }
    }

    private static boolean nextTurn(Connection c) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("UPDATE volume_identity_writer SET turns = turns + 1 WHERE id = 1")) {
            return s.executeUpdate() == 1;
        }
    }

    /** The id of the key, or 0 when it has none. */
    public int idOf(Connection c, String owner, String name) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT volume_id FROM volume_identities WHERE owner = ? AND name = ?")) {
            s.setString(1, owner);
            s.setString(2, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getInt(1) : 0;
            }
        }
    }

    /**
     * The key's id: the one it has, else {@code proposed} when it is positive and no other key holds it, else the next
     * above every id given (the lowest free one once the very top is taken). One winner under concurrency: a row
     * another transaction stored first, on the key or on the id, is read back or skipped.
     */
    public int assign(Connection c, String owner, String name, int proposed, long now) throws SQLException {
        takeTurn(c);
        for (int attempt = 0; attempt < TRIES; attempt++) {
            int kept = idOf(c, owner, name);
            if (kept > 0) {
                return kept;
            }
            int candidate = proposed > 0 && !taken(c, proposed) ? proposed : nextFree(c);
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO volume_identities (volume_id, owner, name, assigned_at) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT DO NOTHING")) {
                s.setInt(1, candidate);
                s.setString(2, owner);
                s.setString(3, name);
                s.setLong(4, now);
                if (s.executeUpdate() == 1) {
                    return candidate;
                }
            }
        }
        throw new SQLException("no volume id for " + owner + "/" + name + " after " + TRIES + " lost races");
    }

    /** Stores an assignment made elsewhere (the old file) unless its key or its id is kept already; true if stored. */
    public boolean importOne(Connection c, Identity identity, long now) throws SQLException {
        takeTurn(c);
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO volume_identities (volume_id, owner, name, assigned_at) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING")) {
            s.setInt(1, identity.volumeId());
            s.setString(2, identity.owner());
            s.setString(3, identity.name());
            s.setLong(4, now);
            return s.executeUpdate() == 1;
        }
    }

    /** How many names the owner has ids for ({@code null}: every owner). */
    public int count(Connection c, String owner) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                owner == null
                        ? "SELECT COUNT(*) FROM volume_identities"
                        : "SELECT COUNT(*) FROM volume_identities WHERE owner = ?")) {
            if (owner != null) {
                s.setString(1, owner);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** Up to {@code limit} assignments with ids above {@code afterId}, by id. */
    public List<Identity> page(Connection c, int afterId, int limit) throws SQLException {
        return Rows.list(
                c,
                "SELECT volume_id, owner, name FROM volume_identities"
                        + " WHERE volume_id > ? ORDER BY volume_id LIMIT ?",
                s -> {
                    s.setInt(1, afterId);
                    s.setInt(2, limit);
                },
                r -> new Identity(r.getInt(1), r.getString(2), r.getString(3)));
    }

    private static boolean taken(Connection c, int id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM volume_identities WHERE volume_id = ?")) {
            s.setInt(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    private static int nextFree(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT MAX(volume_id) FROM volume_identities");
                ResultSet r = s.executeQuery()) {
            r.next();
            int highest = r.getInt(1);
            if (highest < Integer.MAX_VALUE) {
                return highest + 1;
            }
        }
        // A proposal took the very top: the lowest id nobody holds (the first gap, or 1).
        try (PreparedStatement s = c.prepareStatement("SELECT MIN(v.volume_id + 1) FROM volume_identities v"
                        + " WHERE v.volume_id < 2147483647 AND NOT EXISTS"
                        + " (SELECT 1 FROM volume_identities w WHERE w.volume_id = v.volume_id + 1)");
                ResultSet r = s.executeQuery()) {
            r.next();
            return taken(c, 1) ? r.getInt(1) : 1;
        }
    }
}
