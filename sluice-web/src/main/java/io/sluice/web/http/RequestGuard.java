package io.sluice.web.http;

import io.javalin.http.Context;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.RequestAuthenticator;
import io.sluice.web.auth.Secrets;
import java.util.Locale;

/**
 * Access control for every matched request, driven by the route table: authenticate, check the route's role, and for
 * state changes made with a session cookie, check the CSRF header (a Bearer token is never sent by a browser on its
 * own, so it needs none); then, on a standby server, refuse a change ({@link StandbyGate}) to whoever may make it.
 */
public final class RequestGuard {
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private final RequestAuthenticator authenticator;
    private final StandbyGate standby;

    public RequestGuard(RequestAuthenticator authenticator, StandbyGate standby) {
        this.authenticator = authenticator;
        this.standby = standby;
    }

    /**
     * Returns who is calling (null on a public route nobody is signed in to) or throws 401/403, or 503 on a standby.
     */
    public Principal check(Context ctx, Route r) {
        if (r.role() == null) {
            // Public routes may still use who is signed in (e.g. "who am I").
            Principal anyone = authenticator.authenticate(ctx).orElse(null);
            standby.check(r);
            return anyone;
        }
        Principal principal = authenticator
                .authenticate(ctx)
                .orElseThrow(() -> RequestAuthenticator.unauthorized("sign in or send an API token"));
        if (!principal.role().includes(r.role())) {
            throw ApiProblem.of(
                    403,
                    "forbidden",
                    "Forbidden",
                    "this needs the " + r.role().name().toLowerCase(Locale.ROOT) + " role");
        }
        if (r.changesState()
                && principal.viaSession()
                && !Secrets.constantTimeEquals(principal.csrfToken(), ctx.header(CSRF_HEADER))) {
            throw ApiProblem.of(
                    403,
                    "csrf",
                    "CSRF token missing or wrong",
                    "send the session's CSRF token in the " + CSRF_HEADER + " header");
        }
        standby.check(r);
        return principal;
    }
}
