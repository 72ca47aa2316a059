package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import io.sluice.web.auth.LoginBackoff;
import io.sluice.web.auth.LoginLimiter;
import io.sluice.web.auth.PasswordHashing;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.RequestAuthenticator;
import io.sluice.web.auth.Role;
import io.sluice.web.auth.Secrets;
import io.sluice.web.auth.Sessions;
import io.sluice.web.auth.SetupGate;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.AccountSchemas;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.Routes;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Sign-in, first-start setup, users and API tokens. */
public final class AccountApi {
    private static final int MIN_PASSWORD = 12;
    private static final int MAX_PASSWORD = 1024;

    private final RoleCalls calls;
    private final JsonBodies bodies;
    private final PasswordHashing hasher;
    private final Sessions sessions;
    /** Failed sign-ins per (login, address): exponential, and nobody else's failures count against you. */
    private final LoginBackoff backoff;
    /** Failures per client address: looser, many people may share one address behind a proxy. */
    private final LoginLimiter byAddress;
    /** Wrong setup tokens per client address: strict, the token is copied, not typed. */
    private final LoginLimiter setupByAddress;

    private final RequestAuthenticator authenticator;
    private final SetupGate setup;
    private final boolean secureCookies;

    public AccountApi(
            RoleCalls calls,
            JsonBodies bodies,
            PasswordHashing hasher,
            Sessions sessions,
            LoginBackoff backoff,
            LoginLimiter byAddress,
            LoginLimiter setupByAddress,
            RequestAuthenticator authenticator,
            SetupGate setup,
            boolean secureCookies) {
        this.calls = calls;
        this.bodies = bodies;
        this.hasher = hasher;
        this.sessions = sessions;
        this.backoff = backoff;
        this.byAddress = byAddress;
        this.setupByAddress = setupByAddress;
        this.authenticator = authenticator;
        this.setup = setup;
        this.secureCookies = secureCookies;
    }

    public void register(Routes routes) {
        routes.get("/api/session", null, "session", "Who is signed in, with the CSRF token for changes", this::whoAmI)
                .schemas(null, AccountSchemas.SESSION)
                .post("/api/session", null, "session", "Sign in with login and password (rate-limited)", this::login)
                .schemas(AccountSchemas.SIGN_IN, AccountSchemas.SESSION)
                .onStandby()
                .delete("/api/session", Role.VIEWER, "session", "Sign out", this::logout)
                .onStandby()
                .post(
                        "/api/setup",
                        null,
                        "session",
                        "Create the first admin with the one-time setup token",
                        this::completeSetup)
                .schemas(AccountSchemas.SETUP, AccountSchemas.USER)
                .get(
                        "/api/users",
                        Role.ADMIN,
                        "users",
                        "List users",
                        (ctx, p) -> bodies.send(ctx, calls.db("user.list", p.actor(), calls.args())))
                .schemas(null, AccountSchemas.USERS)
                .post("/api/users", Role.ADMIN, "users", "Create a user", this::createUser)
                .schemas(AccountSchemas.NEW_USER, AccountSchemas.USER)
                .put(
                        "/api/users/{login}",
                        Role.ADMIN,
                        "users",
                        "Change a user's role, password or disabled flag",
                        this::updateUser)
                .schemas(AccountSchemas.USER_CHANGE, AccountSchemas.USER)
                .get(
                        "/api/tokens",
                        Role.ADMIN,
                        "users",
                        "List API tokens",
                        (ctx, p) -> bodies.send(ctx, calls.db("token.list", p.actor(), calls.args())))
                .schemas(null, AccountSchemas.TOKENS)
                .post("/api/tokens", Role.ADMIN, "users", "Create an API token (shown once)", this::createToken)
                .schemas(AccountSchemas.NEW_TOKEN, AccountSchemas.ISSUED_TOKEN)
                .delete("/api/tokens/{name}", Role.ADMIN, "users", "Revoke an API token", this::revokeToken)
                .schemas(null, AccountSchemas.TOKEN);
    }

    private void whoAmI(Context ctx, Principal p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("signedIn", p != null);
        if (p != null) {
            body.put("login", p.name());
            body.put("role", p.role().name());
            body.put("csrfToken", p.csrfToken());
        } else {
            body.put("setupRequired", setupRequired());
        }
        bodies.send(ctx, body);
    }

    private boolean setupRequired() {
        try {
            return !setup.usersExist();
        } catch (ApiProblem e) {
            return false;
        }
    }

    private void login(Context ctx, Principal ignored) {
        ObjectNode body = bodies.object(ctx);
        String login = JsonBodies.name(body, "login");
        char[] password = password(body);
        String address = LoginBackoff.addressKey(ctx.ip());
        long wait = Math.max(byAddress.retryAfterMillis(address), backoff.retryAfterMillis(login, address));
        if (wait > 0) {
            throw ApiProblem.of(429, "too-many-attempts", "Too many sign-in attempts", "wait before trying again")
                    .withRetryAfter((wait + 999) / 1000);
        }
        JsonNode user = null;
        try {
            user = calls.db("user.get", "system:web", calls.args().put("login", login));
        } catch (ApiProblem e) {
            if (e.status() != 404) {
                throw e;
            }
        }
        boolean ok;
        if (user == null) {
            hasher.burnOneVerification(password);
            ok = false;
        } else {
            ok = hasher.verify(password, user.path("passwordHash").asText(null))
                    && !user.path("disabled").asBoolean(false);
        }
        Arrays.fill(password, '\0');
        if (!ok) {
            byAddress.recordFailure(address);
            backoff.recordFailure(login, address);
            throw ApiProblem.of(
                    401, "bad-credentials", "Sign-in failed", "wrong login or password, or the user is disabled");
        }
        backoff.recordSuccess(login, address);
        Role role = Role.parse(user.path("role").asText()).orElse(Role.VIEWER);
        Sessions.Session s = sessions.open(login, role);
        ctx.cookie(sessionCookie(s.id(), -1));
        calls.db(
                "audit.append",
                "user:" + login,
                calls.args()
                        .put("action", "session.login")
                        .put("target", "user:" + login)
                        .set("detail", calls.args().put("address", ctx.ip())));
        bodies.send(ctx, Map.of("signedIn", true, "login", login, "role", role.name(), "csrfToken", s.csrfToken()));
    }

    private void logout(Context ctx, Principal p) {
        if (p.viaSession()) {
            sessions.close(ctx.cookie(RequestAuthenticator.SESSION_COOKIE));
            ctx.cookie(sessionCookie("", 0));
            try {
                calls.db(
                        "audit.append",
                        p.actor(),
                        calls.args().put("action", "session.logout").put("target", p.actor()));
            } catch (ApiProblem e) {
                // Signing out must work while the database is away; the session is gone either way.
            }
        }
        ctx.status(204);
    }

    private Cookie sessionCookie(String value, int maxAge) {
        Cookie cookie = new Cookie(RequestAuthenticator.SESSION_COOKIE, value);
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setSecure(secureCookies);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setMaxAge(maxAge);
        return cookie;
    }

    private void completeSetup(Context ctx, Principal ignored) {
        ObjectNode body = bodies.object(ctx);
        String token = JsonBodies.requiredText(body, "token", 200);
        String login = JsonBodies.name(body, "login");
        char[] password = password(body);
        String key = LoginBackoff.addressKey(ctx.ip());
        long wait = setupByAddress.retryAfterMillis(key);
        if (wait > 0) {
            throw ApiProblem.of(429, "too-many-attempts", "Too many setup attempts", "wait before trying again")
                    .withRetryAfter((wait + 999) / 1000);
        }
        JsonNode user;
        try {
            user = setup.complete(token, login, () -> hasher.hash(password));
        } catch (ApiProblem e) {
            if (e.status() == 403) {
                setupByAddress.recordFailure(key);
            }
            throw e;
        }
        bodies.send(ctx, 201, user);
    }

    private void createUser(Context ctx, Principal p) {
        ObjectNode body = bodies.object(ctx);
        String login = JsonBodies.name(body, "login");
        Role role = role(body);
        String hash = hasher.hash(password(body));
        bodies.send(
                ctx,
                201,
                calls.db(
                        "user.create",
                        p.actor(),
                        calls.args()
                                .put("login", login)
                                .put("role", role.name())
                                .put("passwordHash", hash)));
    }

    private void updateUser(Context ctx, Principal p) {
        String login = JsonBodies.checkName("login", ctx.pathParam("login"));
        ObjectNode body = bodies.object(ctx);
        ObjectNode args = calls.args().put("login", login);
        if (body.has("role")) {
            args.put("role", role(body).name());
        }
        if (body.has("password")) {
            args.put("passwordHash", hasher.hash(password(body)));
        }
        if (body.has("disabled")) {
            if (!body.get("disabled").isBoolean()) {
                throw ApiProblem.invalid("disabled", "type", "disabled must be true or false");
            }
            args.put("disabled", body.get("disabled").asBoolean());
        }
        if (args.size() == 1) {
            throw ApiProblem.invalid("role", "required", "give at least one of role, password, disabled");
        }
        JsonNode updated = calls.db("user.update", p.actor(), args);
        sessions.closeAllOf(login);
        bodies.send(ctx, updated);
    }

    private void createToken(Context ctx, Principal p) {
        ObjectNode body = bodies.object(ctx);
        String name = JsonBodies.name(body, "name");
        Role role = role(body);
        String token = Secrets.newToken("slc_");
        JsonNode created = calls.db(
                "token.create",
                p.actor(),
                calls.args().put("name", name).put("role", role.name()).put("tokenHash", Secrets.sha256Hex(token)));
        ObjectNode answer = ((ObjectNode) created.deepCopy()).put("token", token);
        bodies.send(ctx, 201, answer);
    }

    private void revokeToken(Context ctx, Principal p) {
        String name = JsonBodies.checkName("name", ctx.pathParam("name"));
        JsonNode revoked = calls.db("token.revoke", p.actor(), calls.args().put("name", name));
        authenticator.revoked(name);
        bodies.send(ctx, revoked);
    }

    private static Role role(JsonNode body) {
        JsonNode r = body.get("role");
        if (r == null || !r.isTextual()) {
            throw ApiProblem.invalid("role", "required", "role is required: ADMIN, OPERATOR or VIEWER");
        }
        return Role.parse(r.asText())
                .orElseThrow(() -> ApiProblem.invalid("role", "enum", "role must be ADMIN, OPERATOR or VIEWER"));
    }

    private static char[] password(JsonNode body) {
        JsonNode n = body.get("password");
        if (n == null || !n.isTextual()) {
            throw ApiProblem.invalid("password", "required", "password is required");
        }
        String pw = n.asText();
        if (pw.length() < MIN_PASSWORD) {
            throw ApiProblem.invalid(
                    "password", "min-length", "password must have at least " + MIN_PASSWORD + " characters");
        }
        if (pw.length() > MAX_PASSWORD) {
            throw ApiProblem.invalid(
                    "password", "max-length", "password must have at most " + MAX_PASSWORD + " characters");
        }
        return pw.toCharArray();
    }
}
