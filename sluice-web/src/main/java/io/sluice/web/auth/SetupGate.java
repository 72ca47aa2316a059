package io.sluice.web.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * There is no default password: while no user exists, each start of the web role makes a fresh one-time setup token,
 * stores only its SHA-256 (database setting {@value #SETTING}) and hands the token to whoever started the process.
 * Creating the first admin with it spends it.
 */
public final class SetupGate {
    public static final String SETTING = "web.setup-token-sha256";
    private static final String ACTOR = "system:web";

    private final RoleCalls calls;
    private volatile boolean usersSeen;

    public SetupGate(RoleCalls calls) {
        this.calls = calls;
    }

    /** A new setup token when no user exists yet; empty once setup is done. Needs the database. */
    public Optional<String> issueIfNoUsers() {
        if (usersExist()) {
            return Optional.empty();
        }
        String token = Secrets.newToken("setup_");
        calls.db("setting.put", ACTOR, calls.args().put("key", SETTING).put("value", Secrets.sha256Hex(token)));
        return Optional.of(token);
    }

    /** Once a user exists there always will be one, so the answer is remembered and costs no more calls. */
    public boolean usersExist() {
        if (usersSeen) {
            return true;
        }
        usersSeen = calls.db("user.list", ACTOR, calls.args()).path("items").size() > 0;
        return usersSeen;
    }

    /**
     * Creates the first admin if {@code token} is the current setup token, and spends the token. The password is hashed
     * (by {@code passwordHash}) only after the token checked out: a wrong token, or any token once setup is done, costs
     * the server no hash. Serialised, so one token never makes two admins.
     */
    public synchronized JsonNode complete(String token, String login, Supplier<String> passwordHash) {
        if (usersSeen) {
            throw setupDone();
        }
        String stored;
        try {
            stored = calls.db("setting.get", ACTOR, calls.args().put("key", SETTING))
                    .path("value")
                    .asText("");
        } catch (ApiProblem p) {
            if (p.status() == 404) {
                throw wrongToken();
            }
            throw p;
        }
        if (stored.isEmpty() || !Secrets.constantTimeEquals(stored, Secrets.sha256Hex(token))) {
            throw wrongToken();
        }
        if (usersExist()) {
            throw setupDone();
        }
        String hash = passwordHash.get();
        // Spent before the user is created: a token can never make two admins, even if creation fails.
        calls.db("setting.put", ACTOR, calls.args().put("key", SETTING).put("value", ""));
        JsonNode created = calls.db(
                "user.create",
                "system:setup",
                calls.args().put("login", login).put("role", "ADMIN").put("passwordHash", hash));
        usersSeen = true;
        return created;
    }

    private static ApiProblem setupDone() {
        return ApiProblem.of(409, "setup-done", "Setup already done", "a user exists; sign in instead");
    }

    private static ApiProblem wrongToken() {
        return ApiProblem.of(
                403,
                "setup-token",
                "Setup token not valid",
                "use the setup link printed when the web server started (it is valid until the first admin exists)");
    }
}
