package io.sluice.web.http;

import io.javalin.http.HandlerType;
import io.sluice.web.auth.Role;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/** The route table being built by the API classes; read by the server, the guard and the API document. */
public final class Routes {
    private final SequencedMap<String, Route> byKey = new LinkedHashMap<>();

    public Routes get(String path, Role role, String tag, String summary, ApiHandler handler) {
        return add(new Route(HandlerType.GET, path, role, tag, summary, handler, Route.Body.NONE));
    }

    public Routes post(String path, Role role, String tag, String summary, ApiHandler handler) {
        return add(new Route(HandlerType.POST, path, role, tag, summary, handler, Route.Body.JSON));
    }

    /** A POST that takes no body (an action on the resource named by the path). */
    public Routes action(String path, Role role, String tag, String summary, ApiHandler handler) {
        return add(new Route(HandlerType.POST, path, role, tag, summary, handler, Route.Body.NONE));
    }

    public Routes put(String path, Role role, String tag, String summary, ApiHandler handler) {
        return add(new Route(HandlerType.PUT, path, role, tag, summary, handler, Route.Body.JSON));
    }

    public Routes delete(String path, Role role, String tag, String summary, ApiHandler handler) {
        return add(new Route(HandlerType.DELETE, path, role, tag, summary, handler, Route.Body.NONE));
    }

    public Routes add(Route route) {
        if (byKey.putIfAbsent(route.key(), route) != null) {
            throw new IllegalStateException("route registered twice: " + route.key());
        }
        return this;
    }

    /** Documents a query parameter of the route added last. */
    public Routes query(String name, String description) {
        Map.Entry<String, Route> last = byKey.lastEntry();
        if (last == null) {
            throw new IllegalStateException("no route to document " + name + " on");
        }
        byKey.put(last.getKey(), last.getValue().withQuery(name, description));
        return this;
    }

    /** Names the request and result schemas ({@link ApiSchemas}) of the route added last; null: any JSON object. */
    public Routes schemas(String request, String response) {
        Map.Entry<String, Route> last = byKey.lastEntry();
        if (last == null) {
            throw new IllegalStateException("no route to describe");
        }
        byKey.put(last.getKey(), last.getValue().withSchemas(request, response));
        return this;
    }

    /**
     * Serves the route added last on a standby server too: signing in and out, and checks that store nothing. Every
     * other POST, PUT, PATCH and DELETE is refused there ({@link StandbyGate}).
     */
    public Routes onStandby() {
        Map.Entry<String, Route> last = byKey.lastEntry();
        if (last == null) {
            throw new IllegalStateException("no route to serve on a standby");
        }
        byKey.put(last.getKey(), last.getValue().servedOnStandby());
        return this;
    }

    public List<Route> all() {
        return Collections.unmodifiableList(new ArrayList<>(byKey.values()));
    }
}
