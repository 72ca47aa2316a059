package io.sluice.db.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The last throttle set sent per volume and gateway (migration V9, {@code throttle_sets}): a set replaces the stored
 * one only with a higher version, so sets stored out of order, or by two servers, keep the newest.
 */
public final class ThrottleSetRepository {
    /** One stored set: {@code settings} is the JSON array of the fields after volume id and version. */
    public record ThrottleSet(int volumeId, long gatewayId, long version, String settings, long sentAt) {}

    /** Stores the set unless one of the same or a higher version is on record. */
    public void record(Connection c, ThrottleSet set) throws SQLException {
        Upserts.Parameters update = s -> {
            s.setLong(1, set.version());
            s.setString(2, set.settings());
            s.setLong(3, set.sentAt());
            s.setInt(4, set.volumeId());
            s.setLong(5, set.gatewayId());
            s.setLong(6, set.version());
        };
        Upserts.Parameters insert = s -> {
            s.setLong(1, set.version());
            s.setString(2, set.settings());
            s.setLong(3, set.sentAt());
            s.setInt(4, set.volumeId());
            s.setLong(5, set.gatewayId());
        };
        Upserts.upsert(
                c,
                "UPDATE throttle_sets SET version = ?, settings = ?, sent_at = ? WHERE volume_id = ? AND gateway_id = ?"
                        + " AND version < ?",
                update,
                "INSERT INTO throttle_sets (version, settings, sent_at, volume_id, gateway_id) VALUES (?, ?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                insert);
    }

    /** A page in (volume id, gateway id) order, skipping the first {@code offset}. */
    public List<ThrottleSet> page(Connection c, int offset, int limit) throws SQLException {
        return Rows.list(
                c,
                "SELECT volume_id, gateway_id, version, settings, sent_at FROM throttle_sets"
                        + " ORDER BY volume_id, gateway_id LIMIT ? OFFSET ?",
                s -> {
                    s.setInt(1, limit);
                    s.setInt(2, offset);
                },
                r -> new ThrottleSet(r.getInt(1), r.getLong(2), r.getLong(3), r.getString(4), r.getLong(5)));
    }
}
