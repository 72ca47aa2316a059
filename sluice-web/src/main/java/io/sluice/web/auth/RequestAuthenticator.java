package io.sluice.web.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.sluice.common.EpochClock;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Finds who sent a request: a Bearer API token (looked up by its SHA-256 through the database manager, remembered
 * briefly so automation does not cost a database call per request) or the session cookie.
 */
public final class RequestAuthenticator {
    public static final String SESSION_COOKIE = "sluice_session";
    private static final long TOKEN_CACHE_MILLIS = 5_000;
    private static final int TOKEN_CACHE_MAX = 10_000;
    /** How long a token the database does not know (or knows as revoked) is answered 401 without asking again. */
    private static final long UNKNOWN_TOKEN_MILLIS = 10_000;

    private static final int UNKNOWN_TOKEN_MAX = 10_000;

    private record Cached(Principal principal, long until) {}

    private final Sessions sessions;
    private final RoleCalls calls;
    private final EpochClock clock;
    private final Map<String, Cached> tokens = new ConcurrentHashMap<>();
    /** Hashes of tokens found unknown or revoked, to the time until which that answer stands. */
    private final Map<String, Long> refused = new ConcurrentHashMap<>();

    private final List<Consumer<String>> revokeListeners = new CopyOnWriteArrayList<>();

    public RequestAuthenticator(Sessions sessions, RoleCalls calls, EpochClock clock) {
        this.sessions = sessions;
        this.calls = calls;
        this.clock = clock;
    }

    public Optional<Principal> authenticate(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw unauthorized("only Bearer tokens are accepted in Authorization");
            }
            return Optional.of(byToken(authorization.substring(7).trim()));
        }
        return sessions.find(ctx.cookie(SESSION_COOKIE))
                .map(s -> new Principal(s.login(), s.role(), true, s.csrfToken()));
    }

    private Principal byToken(String token) {
        if (token.isEmpty() || token.length() > 200) {
            throw unauthorized("malformed API token");
        }
        String hash = Secrets.sha256Hex(token);
        long now = clock.epochMillis();
        Cached cached = tokens.get(hash);
        if (cached != null && cached.until() > now) {
            return cached.principal();
        }
        Long refusedUntil = refused.get(hash);
        if (refusedUntil != null && refusedUntil > now) {
            throw unauthorized("unknown or revoked API token");
        }
        JsonNode found;
        try {
            found = calls.db("token.find", "system:web", calls.args().put("tokenHash", hash));
        } catch (ApiProblem p) {
            if (p.status() == 404) {
                refuse(hash, now);
                throw unauthorized("unknown or revoked API token");
            }
            throw p;
        }
        if (found.path("revoked").asBoolean(false)) {
            tokens.remove(hash);
            refuse(hash, now);
            throw unauthorized("unknown or revoked API token");
        }
        Role role = Role.parse(found.path("role").asText())
                .orElseThrow(() -> unauthorized("the API token has no valid role"));
        Principal principal = new Principal(found.path("name").asText(), role, false, null);
        if (tokens.size() >= TOKEN_CACHE_MAX) {
            tokens.clear();
        }
        tokens.put(hash, new Cached(principal, now + TOKEN_CACHE_MILLIS));
        return principal;
    }

    /**
     * Remembers briefly that {@code hash} is no token, so a client repeating it (a script with an old token) costs no
     * database call each time. Bounded: expired entries go first, and if a spray of distinct tokens fills it anyway it
     * starts afresh (those each cost a call, which the per-request cost bounds).
     */
    private void refuse(String hash, long now) {
        if (refused.size() >= UNKNOWN_TOKEN_MAX) {
            refused.values().removeIf(until -> until <= now);
            if (refused.size() >= UNKNOWN_TOKEN_MAX) {
                refused.clear();
            }
        }
        refused.put(hash, now + UNKNOWN_TOKEN_MILLIS);
    }

    /** {@code listener} is told the name of every token revoked through this server. */
    public void onRevoke(Consumer<String> listener) {
        revokeListeners.add(listener);
    }

    /** Forgets cached tokens, so the revocation of {@code name} through this server takes effect at once. */
    public void revoked(String name) {
        tokens.clear();
        for (Consumer<String> listener : revokeListeners) {
            listener.accept(name);
        }
    }

    public static ApiProblem unauthorized(String detail) {
        return ApiProblem.of(401, "unauthorized", "Not signed in", detail);
    }
}
