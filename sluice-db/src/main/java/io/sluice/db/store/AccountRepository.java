package io.sluice.db.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** Users (with their KDF hash), API tokens (SHA-256 of the token) and settings. Never sees a secret. */
public final class AccountRepository {
    private static final String USER = "SELECT login, role, created_at, disabled FROM users";
    private static final String TOKEN = "SELECT name, role, created_at, revoked FROM tokens";

    /** False if the login exists. */
    public boolean createUser(Connection c, String login, String role, String passwordHash, long at)
            throws SQLException {
        // ON CONFLICT rather than NOT EXISTS, which cannot see a concurrent create not yet committed:
        // the insert then failed on the key instead of answering false.
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO users (login, role, password_hash, created_at, disabled)"
                        + " VALUES (?, ?, ?, ?, FALSE) ON CONFLICT DO NOTHING")) {
            s.setString(1, login);
            s.setString(2, role);
            s.setString(3, passwordHash);
            s.setLong(4, at);
            return s.executeUpdate() == 1;
        }
    }

    public ObjectNode userWithHash(Connection c, String login) throws SQLException {
        return JsonRows.one(
                c,
                "SELECT login, role, password_hash, created_at, disabled FROM users WHERE login = ?",
                s -> s.setString(1, login));
    }

    public ObjectNode user(Connection c, String login) throws SQLException {
        return JsonRows.one(c, USER + " WHERE login = ?", s -> s.setString(1, login));
    }

    public List<ObjectNode> users(Connection c) throws SQLException {
        return JsonRows.all(c, USER + " ORDER BY login");
    }

    /** Changes the given fields (null: unchanged); false if there is no such user. */
    public boolean updateUser(Connection c, String login, String role, String passwordHash, Boolean disabled)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE users SET role = COALESCE(?, role),"
                + " password_hash = COALESCE(?, password_hash), disabled = COALESCE(?, disabled) WHERE login = ?")) {
            s.setString(1, role);
            s.setString(2, passwordHash);
            if (disabled == null) {
                s.setNull(3, Types.BOOLEAN);
            } else {
                s.setBoolean(3, disabled);
            }
            s.setString(4, login);
            return s.executeUpdate() == 1;
        }
    }

    /** False if the name or the hash is taken. */
    public boolean createToken(Connection c, String name, String role, String tokenHash, long at) throws SQLException {
        // As createUser; with no conflict target it skips a clash on either unique key, name or hash.
        try (PreparedStatement s = c.prepareStatement("INSERT INTO tokens (name, role, token_hash, created_at, revoked)"
                + " VALUES (?, ?, ?, ?, FALSE) ON CONFLICT DO NOTHING")) {
            s.setString(1, name);
            s.setString(2, role);
            s.setString(3, tokenHash);
            s.setLong(4, at);
            return s.executeUpdate() == 1;
        }
    }

    public ObjectNode token(Connection c, String name) throws SQLException {
        return JsonRows.one(c, TOKEN + " WHERE name = ?", s -> s.setString(1, name));
    }

    public ObjectNode tokenByHash(Connection c, String tokenHash) throws SQLException {
        return JsonRows.one(c, TOKEN + " WHERE token_hash = ?", s -> s.setString(1, tokenHash));
    }

    public List<ObjectNode> tokens(Connection c) throws SQLException {
        return JsonRows.all(c, TOKEN + " ORDER BY name");
    }

    public boolean revokeToken(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE tokens SET revoked = TRUE WHERE name = ?")) {
            s.setString(1, name);
            return s.executeUpdate() == 1;
        }
    }

    public String setting(Connection c, String key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT setting_value FROM settings WHERE setting_key = ?")) {
            s.setString(1, key);
            try (var r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    public void putSetting(Connection c, String key, String value) throws SQLException {
        Upserts.Parameters parameters = s -> {
            s.setString(1, value);
            s.setString(2, key);
        };
        Upserts.upsert(
                c,
                "UPDATE settings SET setting_value = ? WHERE setting_key = ?",
                parameters,
                "INSERT INTO settings (setting_value, setting_key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                parameters);
    }
}
