package io.sluice.web.http;

import io.javalin.http.HandlerType;
import io.sluice.web.auth.Role;

/**
 * One API route: what it answers, who may call it ({@code role == null}: anyone, e.g. login), and the
 * words for the OpenAPI document. The table of these is the single source for routing, access
 * control and the API document.
 */
public record Route(HandlerType method, String path, Role role, String tag, String summary, ApiHandler handler,
                   Body body) {

    /** What the route reads from the request body. */
    public enum Body { NONE, JSON }

    public boolean changesState() {
        return method == HandlerType.POST || method == HandlerType.PUT || method == HandlerType.DELETE
                || method == HandlerType.PATCH;
    }

    public String key() {
        return key(method, path);
    }

    public static String key(HandlerType method, String path) {
        return method.name() + " " + path;
    }
}
