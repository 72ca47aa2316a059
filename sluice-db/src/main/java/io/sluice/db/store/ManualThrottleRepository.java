package io.sluice.db.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The {@code manual_throttles} table: an operator's limit on a volume until an expiry. In force means not ended and not
 * expired; at most one is in force per volume, because {@link #set} ends the one before it in the same transaction.
 */
public final class ManualThrottleRepository {
    private static final String COLUMNS =
            "id, volume_id, iops_limit, bandwidth_limit, reason, set_by, set_at," + " expires_at, ended_by, ended_at";

    /** What an operator asks for. */
    public record Request(int volumeId, long iopsLimit, long bandwidthLimit, String reason, long expiresAt) {}

    /** Ends the volume's throttle in force (if any) and stores the new one; returns it. */
    public ObjectNode set(Connection c, Request request, String actor, long now) throws SQLException {
        end(c, request.volumeId(), actor, now);
        long id;
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO manual_throttles (volume_id, iops_limit,"
                        + " bandwidth_limit, reason, set_by, set_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            s.setInt(1, request.volumeId());
            s.setLong(2, request.iopsLimit());
            s.setLong(3, request.bandwidthLimit());
            s.setString(4, request.reason());
            s.setString(5, actor);
            s.setLong(6, now);
            s.setLong(7, request.expiresAt());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
        }
        return JsonRows.one(c, "SELECT " + COLUMNS + " FROM manual_throttles WHERE id = ?", s -> s.setLong(1, id));
    }

    /** Ends the volume's throttle in force; returns it as it was, or null when none was. */
    public ObjectNode end(Connection c, int volumeId, String actor, long now) throws SQLException {
        ObjectNode current = inForce(c, volumeId, now);
        if (current == null) {
            return null;
        }
        try (PreparedStatement s =
                c.prepareStatement("UPDATE manual_throttles SET ended_by = ?, ended_at = ? WHERE id = ?")) {
            s.setString(1, actor);
            s.setLong(2, now);
            s.setLong(3, current.get("id").asLong());
            s.executeUpdate();
        }
        return current;
    }

    /** The volume's throttle in force at {@code now}, or null. */
    public ObjectNode inForce(Connection c, int volumeId, long now) throws SQLException {
        return JsonRows.one(
                c,
                "SELECT " + COLUMNS + " FROM manual_throttles"
                        + " WHERE volume_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY id DESC LIMIT 1",
                s -> {
                    s.setInt(1, volumeId);
                    s.setLong(2, now);
                });
    }

    /** Every throttle in force at {@code now}, by volume. */
    public List<ObjectNode> allInForce(Connection c, long now) throws SQLException {
        return JsonRows.all(
                c,
                "SELECT " + COLUMNS + " FROM manual_throttles"
                        + " WHERE ended_at IS NULL AND expires_at > ? ORDER BY volume_id",
                s -> s.setLong(1, now));
    }

    /** Whether the registry knows the volume (a gateway reported it, or it was registered). */
    public boolean volumeKnown(Connection c, int volumeId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM volumes WHERE volume_id = ?")) {
            s.setInt(1, volumeId);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }
}
