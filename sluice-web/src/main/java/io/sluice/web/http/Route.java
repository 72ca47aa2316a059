package io.sluice.web.http;

import io.javalin.http.HandlerType;
import io.sluice.web.auth.Role;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One API route: what it answers, who may call it ({@code role == null}: anyone, e.g. login), and the words for the
 * OpenAPI document, including the query parameters it reads (name to description) and the names of its request and
 * result schemas in {@link ApiSchemas} (null: any JSON object), and whether a state-changing method is still served on
 * a standby server ({@code onStandby}: signing in and out, checks that store nothing). The table of these is the single
 * source for routing, access control and the API document.
 */
public record Route(
        HandlerType method,
        String path,
        Role role,
        String tag,
        String summary,
        ApiHandler handler,
        Body body,
        Map<String, String> query,
        String requestSchema,
        String responseSchema,
        boolean onStandby) {

    public Route {
        query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
    }

    public Route(
            HandlerType method, String path, Role role, String tag, String summary, ApiHandler handler, Body body) {
        this(method, path, role, tag, summary, handler, body, Map.of(), null, null, false);
    }

    /** This route, also documenting the query parameter {@code name}. */
    public Route withQuery(String name, String description) {
        Map<String, String> more = new LinkedHashMap<>(query);
        more.put(name, description);
        return new Route(
                method, path, role, tag, summary, handler, body, more, requestSchema, responseSchema, onStandby);
    }

    /** This route, its body and result described by the named {@link ApiSchemas} (null: any JSON object). */
    public Route withSchemas(String request, String response) {
        return new Route(method, path, role, tag, summary, handler, body, query, request, response, onStandby);
    }

    /** This route, served on a standby too although its method may change state (it changes nothing shared). */
    public Route servedOnStandby() {
        return new Route(method, path, role, tag, summary, handler, body, query, requestSchema, responseSchema, true);
    }

    /** What the route reads from the request body. */
    public enum Body {
        NONE,
        JSON
    }

    public boolean changesState() {
        return method == HandlerType.POST
                || method == HandlerType.PUT
                || method == HandlerType.DELETE
                || method == HandlerType.PATCH;
    }

    public String key() {
        return key(method, path);
    }

    public static String key(HandlerType method, String path) {
        return method.name() + " " + path;
    }
}
