package io.sluice.db.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** Who changed what: written in the same transaction as the change it records. */
public final class AuditRepository {
    public long append(Connection c, long at, String actor, String action, String target, String detailJson)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            s.setLong(1, at);
            s.setString(2, actor);
            s.setString(3, action);
            s.setString(4, target);
            s.setString(5, detailJson);
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Newest first: up to {@code limit} records with an id below {@code beforeId} (null: from the newest). */
    public List<ObjectNode> list(Connection c, Long beforeId, String actor, int limit) throws SQLException {
        return JsonRows.all(
                c,
                "SELECT id, at, actor, action, target, detail FROM audit"
                        + " WHERE id < ? AND actor = COALESCE(?, actor) ORDER BY id DESC LIMIT ?",
                s -> {
                    s.setLong(1, beforeId == null ? Long.MAX_VALUE : beforeId);
                    s.setString(2, actor);
                    s.setInt(3, limit);
                });
    }
}
