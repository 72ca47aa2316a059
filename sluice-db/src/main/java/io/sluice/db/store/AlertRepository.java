package io.sluice.db.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Alerts, one open alert per key: raising an open key again updates it, clearing closes it, and raising a cleared key
 * opens a new alert. Acknowledgement records who and when.
 */
public final class AlertRepository {
    private static final String ALERT =
            "SELECT id, alert_key AS \"key\", severity, message, state, opened_at, cleared_at,"
                    + " acknowledged_by, acknowledged_at FROM alerts";

    public ObjectNode upsert(Connection c, String key, String severity, String message, String state, long at)
            throws SQLException {
        lockKey(c, key);
        Long openId;
        try (PreparedStatement s = c.prepareStatement(
                "SELECT id FROM alerts WHERE alert_key = ? AND state = 'OPEN'" + " ORDER BY id DESC LIMIT 1")) {
            s.setString(1, key);
            try (var r = s.executeQuery()) {
                openId = r.next() ? r.getLong(1) : null;
            }
        }
        if (openId == null && state.equals("CLEARED")) {
            // Clearing what is not open: nothing to change; answer with the latest alert of the key if any.
            return latest(c, key);
        }
        if (openId == null) {
            try (PreparedStatement s =
                    c.prepareStatement("INSERT INTO alerts (alert_key, severity, message, state, opened_at)"
                            + " VALUES (?, ?, ?, 'OPEN', ?)")) {
                s.setString(1, key);
                s.setString(2, severity);
                s.setString(3, message);
                s.setLong(4, at);
                s.executeUpdate();
            }
            return latest(c, key);
        }
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE alerts SET severity = ?, message = ?, state = ?," + " cleared_at = ? WHERE id = ?")) {
            s.setString(1, severity);
            s.setString(2, message);
            s.setString(3, state);
            RegistryRepository.setLong(s, 4, state.equals("CLEARED") ? at : null);
            s.setLong(5, openId);
            s.executeUpdate();
        }
        return get(c, openId);
    }

    public ObjectNode acknowledge(Connection c, long id, String actor, long at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL")) {
            s.setString(1, actor);
            s.setLong(2, at);
            s.setLong(3, id);
            s.executeUpdate();
        }
        return get(c, id);
    }

    public ObjectNode get(Connection c, long id) throws SQLException {
        return JsonRows.one(c, ALERT + " WHERE id = ?", s -> s.setLong(1, id));
    }

    /** Newest first, ids below {@code beforeId} (null: from the newest). */
    public List<ObjectNode> list(Connection c, String state, Long beforeId, int limit) throws SQLException {
        return JsonRows.all(
                c, ALERT + " WHERE state = COALESCE(?, state) AND id < ?" + " ORDER BY id DESC LIMIT ?", s -> {
                    s.setString(1, state);
                    s.setLong(2, beforeId == null ? Long.MAX_VALUE : beforeId);
                    s.setInt(3, limit);
                });
    }

    /**
     * Makes writers of one key take turns until their transactions end: otherwise two raises of a key with no open
     * alert both find none and both open one. The key's first writer inserts its row (a concurrent insert waits for it,
     * then skips); each writer then locks the row, and at READ COMMITTED its later statements see what the writer
     * before it committed.
     */
    private static void lockKey(Connection c, String key) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO alert_keys (alert_key) VALUES (?) ON CONFLICT DO NOTHING")) {
            s.setString(1, key);
            s.executeUpdate();
        }
        try (PreparedStatement s =
                c.prepareStatement("SELECT alert_key FROM alert_keys WHERE alert_key = ? FOR UPDATE")) {
            s.setString(1, key);
            s.executeQuery().close();
        }
    }

    private ObjectNode latest(Connection c, String key) throws SQLException {
        return JsonRows.one(c, ALERT + " WHERE alert_key = ? ORDER BY id DESC LIMIT 1", s -> s.setString(1, key));
    }
}
