package io.sluice.db.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The monitor's gateway registry (migration V9): who is approved or revoked, the single-use enrollment tokens and the
 * operators' shared-volume bindings. Not {@link RegistryRepository}, the statistics' registry of what was seen.
 *
 * <p>Every write is safe against another writer of the same key (two monitors sharing the database): standings and
 * bindings are keyed upserts ({@link Upserts}), a token is used by one conditional UPDATE, so of two uses racing
 * exactly one changes the row.
 */
public final class GatewayAdmissionRepository {
    public static final String APPROVED = "APPROVED";
    public static final String REVOKED = "REVOKED";

    /** What a token's use came to. */
    public enum TokenUse {
        USED,
        BAD_TOKEN,
        REVOKED
    }

    /** A gateway's standing. */
    public record Standing(long gatewayId, String standing) {}

    /** A shared volume name bound to (or unbound from) a gateway. */
    public record Binding(String name, long gatewayId, boolean bound) {}

    /** Sets a gateway's standing, whatever it was. */
    public void setStanding(Connection c, long gatewayId, String standing, long at) throws SQLException {
        Upserts.Parameters parameters = s -> {
            s.setString(1, standing);
            s.setLong(2, at);
            s.setLong(3, gatewayId);
        };
        Upserts.upsert(
                c,
                "UPDATE gateway_standings SET standing = ?, changed_at = ? WHERE gateway_id = ?",
                parameters,
                "INSERT INTO gateway_standings (standing, changed_at, gateway_id) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                parameters);
    }

    /** Approves a gateway that has no standing yet; a revocation or approval on record stays. */
    public void approveIfUnknown(Connection c, long gatewayId, long at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO gateway_standings (standing, changed_at, gateway_id)"
                + " VALUES ('" + APPROVED + "', ?, ?) ON CONFLICT DO NOTHING")) {
            s.setLong(1, at);
            s.setLong(2, gatewayId);
            s.executeUpdate();
        }
    }

    /** A page of standings by gateway id, after {@code after} (0: from the first). */
    public List<Standing> standings(Connection c, long after, int limit) throws SQLException {
        return Rows.list(
                c,
                "SELECT gateway_id, standing FROM gateway_standings WHERE gateway_id > ?"
                        + " ORDER BY gateway_id LIMIT ?",
                s -> {
                    s.setLong(1, after);
                    s.setInt(2, limit);
                },
                r -> new Standing(r.getLong(1), r.getString(2)));
    }

    /** A page of bindings in (name, gateway id) order, skipping the first {@code offset}. */
    public List<Binding> bindings(Connection c, int offset, int limit) throws SQLException {
        return Rows.list(
                c,
                "SELECT name, gateway_id, bound FROM shared_volume_bindings"
                        + " ORDER BY name, gateway_id LIMIT ? OFFSET ?",
                s -> {
                    s.setInt(1, limit);
                    s.setInt(2, offset);
                },
                r -> new Binding(r.getString(1), r.getLong(2), r.getBoolean(3)));
    }

    /** Binds or unbinds, whatever was on record. */
    public void setBinding(Connection c, String name, long gatewayId, boolean bound, long at) throws SQLException {
        Upserts.Parameters parameters = s -> {
            s.setBoolean(1, bound);
            s.setLong(2, at);
            s.setString(3, name);
            s.setLong(4, gatewayId);
        };
        Upserts.upsert(
                c,
                "UPDATE shared_volume_bindings SET bound = ?, changed_at = ? WHERE name = ? AND gateway_id = ?",
                parameters,
                "INSERT INTO shared_volume_bindings (bound, changed_at, name, gateway_id) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                parameters);
    }

    /** Binds a name to a gateway unless a binding or an unbinding of the pair is on record. */
    public void bindIfUnknown(Connection c, String name, long gatewayId, long at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO shared_volume_bindings"
                + " (bound, changed_at, name, gateway_id)"
                + " VALUES (TRUE, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            s.setLong(1, at);
            s.setString(2, name);
            s.setLong(3, gatewayId);
            s.executeUpdate();
        }
    }

    /** Adds an unused token; false when the token is on record as used (it never becomes usable again). */
    public boolean addToken(Connection c, String tokenHash, long at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO enrollment_tokens (token_hash, added_at, used)"
                + " VALUES (?, ?, FALSE) ON CONFLICT DO NOTHING")) {
            s.setString(1, tokenHash);
            s.setLong(2, at);
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("SELECT used FROM enrollment_tokens WHERE token_hash = ?")) {
            s.setString(1, tokenHash);
            try (ResultSet r = s.executeQuery()) {
                return r.next() && !r.getBoolean(1);
            }
        }
    }

    /** Records a token as used (imported from a file that says so), whether or not it was known. */
    public void markUsed(Connection c, String tokenHash, long at) throws SQLException {
        Upserts.Parameters parameters = s -> {
            s.setLong(1, at);
            s.setString(2, tokenHash);
        };
        Upserts.upsert(
                c,
                "UPDATE enrollment_tokens SET used = TRUE, used_by = COALESCE(used_by, 0),"
                        + " used_at = COALESCE(used_at, ?)"
                        + " WHERE token_hash = ?",
                parameters,
                "INSERT INTO enrollment_tokens (added_at, token_hash, used, used_by) VALUES (?, ?, TRUE, 0)"
                        + " ON CONFLICT DO NOTHING",
                parameters);
    }

    /**
     * Uses a token to admit {@code gatewayId}: refused for a revoked gateway (the token stays unused), else one
     * conditional UPDATE takes the token if it is still unused, and the gateway is approved unless it was revoked
     * meanwhile. Of any number of uses racing, one alone finds the token unused.
     */
    public TokenUse useToken(Connection c, String tokenHash, long gatewayId, long at) throws SQLException {
        if (REVOKED.equals(standing(c, gatewayId))) {
            return TokenUse.REVOKED;
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE enrollment_tokens SET used = TRUE, used_by = ?,"
                + " used_at = ?"
                + " WHERE token_hash = ? AND used = FALSE")) {
            s.setLong(1, gatewayId);
            s.setLong(2, at);
            s.setString(3, tokenHash);
            if (s.executeUpdate() == 0) {
                return TokenUse.BAD_TOKEN;
            }
        }
        Upserts.Parameters parameters = s -> {
            s.setLong(1, at);
            s.setLong(2, gatewayId);
        };
        Upserts.upsert(
                c,
                "UPDATE gateway_standings SET standing = '" + APPROVED
                        + "', changed_at = ? WHERE gateway_id = ?"
                        + " AND standing <> '" + REVOKED + "'",
                parameters,
                "INSERT INTO gateway_standings (standing, changed_at, gateway_id) VALUES ('" + APPROVED + "', ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                parameters);
        return TokenUse.USED;
    }

    /** The gateway's standing, or null. */
    public String standing(Connection c, long gatewayId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT standing FROM gateway_standings WHERE gateway_id = ?")) {
            s.setLong(1, gatewayId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /** Whether the token is on record as used; null when unknown. */
    public Boolean tokenUsed(Connection c, String tokenHash) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT used FROM enrollment_tokens WHERE token_hash = ?")) {
            s.setString(1, tokenHash);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getBoolean(1) : null;
            }
        }
    }
}
