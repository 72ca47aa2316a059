package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.AccountRepository;
import io.sluice.db.store.Database;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/** {@code user.*}, {@code token.*}, {@code setting.*}: accounts by their hashes, never their secrets. */
final class AccountOps extends OpGroup {
    static final Set<String> ROLES = Set.of("ADMIN", "OPERATOR", "VIEWER");
    private final AccountRepository accounts = new AccountRepository();

    AccountOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        ops.put("user.create", this::createUser);
        ops.put("user.get", (a, actor) -> found(tx(c -> accounts.userWithHash(c, a.string("login"))), "user"));
        ops.put("user.list", (a, actor) -> items(tx(accounts::users)));
        ops.put("user.update", this::updateUser);
        ops.put("token.create", this::createToken);
        ops.put("token.find", (a, actor) -> found(tx(c -> accounts.tokenByHash(c, a.string("tokenHash"))), "token"));
        ops.put("token.list", (a, actor) -> items(tx(accounts::tokens)));
        ops.put("token.revoke", this::revokeToken);
        ops.put("setting.get", (a, actor) -> getSetting(a));
        ops.put("setting.put", this::putSetting);
    }

    private JsonNode createUser(Args a, String actor) throws SQLException {
        String login = a.string("login");
        String role = a.oneOf("role", ROLES);
        String hash = a.string("passwordHash");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.createUser(c, login, role, hash, now)) {
                throw DbProblem.conflict("user " + login + " exists", null);
            }
            audit.append(c, now, actor, "user.create", "user:" + login, "{\"role\":\"" + role + "\"}");
            return accounts.user(c, login);
        });
    }

    private JsonNode updateUser(Args a, String actor) throws SQLException {
        String login = a.string("login");
        String role = a.optOneOf("role", ROLES, null);
        String hash = a.optString("passwordHash", null);
        Boolean disabled = a.optBool("disabled");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.updateUser(c, login, role, hash, disabled)) {
                throw DbProblem.notFound("user " + login);
            }
            ObjectNode detail = mapper.createObjectNode();
            if (role != null) {
                detail.put("role", role);
            }
            if (disabled != null) {
                detail.put("disabled", disabled);
            }
            detail.put("passwordChanged", hash != null);
            audit.append(c, now, actor, "user.update", "user:" + login, detail.toString());
            return accounts.user(c, login);
        });
    }

    private JsonNode createToken(Args a, String actor) throws SQLException {
        String name = a.string("name");
        String role = a.oneOf("role", ROLES);
        String hash = a.string("tokenHash");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.createToken(c, name, role, hash, now)) {
                throw DbProblem.conflict("token " + name + " exists", null);
            }
            audit.append(c, now, actor, "token.create", "token:" + name, "{\"role\":\"" + role + "\"}");
            ObjectNode token = accounts.token(c, name);
            token.remove("revoked");
            return token;
        });
    }

    private JsonNode revokeToken(Args a, String actor) throws SQLException {
        String name = a.string("name");
        long now = clock.epochMillis();
        return tx(c -> {
            if (!accounts.revokeToken(c, name)) {
                throw DbProblem.notFound("token " + name);
            }
            audit.append(c, now, actor, "token.revoke", "token:" + name, null);
            return accounts.token(c, name);
        });
    }

    private JsonNode getSetting(Args a) throws SQLException {
        String key = a.string("key");
        String value = tx(c -> accounts.setting(c, key));
        if (value == null) {
            throw DbProblem.notFound("setting " + key);
        }
        return mapper.createObjectNode().put("key", key).put("value", value);
    }

    private JsonNode putSetting(Args a, String actor) throws SQLException {
        String key = a.string("key");
        JsonNode raw = a.node().get("value");
        if (raw == null || !raw.isTextual()) {
            throw DbProblem.invalid("value", "string", "value must be a string");
        }
        String value = raw.asText();
        long now = clock.epochMillis();
        tx(c -> {
            accounts.putSetting(c, key, value);
            // The value may be a secret's hash: the audit names the key only.
            audit.append(c, now, actor, "setting.put", "setting:" + key, null);
            return null;
        });
        return mapper.createObjectNode().put("key", key).put("value", value);
    }
}
