package io.sluice.web.http;

import io.javalin.http.Context;
import io.sluice.web.auth.Principal;

/** A route's work, given the caller already authenticated and authorised ({@code null} on public routes). */
@FunctionalInterface
public interface ApiHandler {
    void handle(Context ctx, Principal principal) throws Exception;
}
