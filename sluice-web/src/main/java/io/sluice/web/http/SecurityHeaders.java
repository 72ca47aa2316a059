package io.sluice.web.http;

import io.javalin.http.Context;

/** Headers on every response: no framing, no sniffing, no referrers, scripts only from this origin. */
public final class SecurityHeaders {
    /** Inline styles are allowed because the chart library sizes its canvas through style attributes. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    private SecurityHeaders() {}

    /** A year, the span browsers' preload lists ask for; subdomains are left to whoever runs the domain. */
    static final String HSTS = "max-age=31536000";

    /** @param https whether people reach this server over HTTPS (TLS here or at a proxy in front): then HSTS too */
    public static void apply(Context ctx, boolean https) {
        if (https) {
            ctx.header("Strict-Transport-Security", HSTS);
        }
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
        ctx.header("Cross-Origin-Resource-Policy", "same-origin");
        ctx.header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        if (ctx.path().startsWith("/api/")) {
            ctx.header("Cache-Control", "no-store");
        }
    }
}
