package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.auth.Role;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.WebTestBase;
import io.sluice.web.http.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every route of the table, called by nobody and by every role, through a session and through an API token: refused
 * exactly when the role is too low, never for a role that is high enough.
 */
public class RouteAuthorizationTest extends WebTestBase {
    private record Caller(String label, Role role, Credentials credentials) {}

    @Test
    void everyRouteAdmitsExactlyTheRolesItNames() {
        List<Caller> callers = List.of(
                new Caller("anonymous", null, Credentials.NONE),
                new Caller("viewer session", Role.VIEWER, viewer),
                new Caller("operator session", Role.OPERATOR, operator),
                new Caller("admin session", Role.ADMIN, admin),
                new Caller("viewer token", Role.VIEWER, Credentials.token(viewerToken)),
                new Caller("operator token", Role.OPERATOR, Credentials.token(operatorToken)),
                new Caller("admin token", Role.ADMIN, Credentials.token(adminToken)));
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Route route : server.routes()) {
            for (Caller caller : callers) {
                Credentials who = caller.credentials();
                if (route.path().equals("/api/session")
                        && route.method().name().equals("DELETE")
                        && who.cookie() != null) {
                    // Signing out ends the session the other checks use: do it on a throwaway one.
                    who = login(caller.label().split(" ")[0], PASSWORD);
                }
                ApiClient.Response r = call(route, who);
                boolean allowed = route.role() == null
                        || (caller.role() != null && caller.role().includes(route.role()));
                String type = r.problemType();
                boolean refused =
                        r.status() == 401 || (r.status() == 403 && ("forbidden".equals(type) || "csrf".equals(type)));
                if (allowed == refused) {
                    failures.add(route.key() + " as " + caller.label() + ": " + r);
                }
                if (refused && r.status() == 401) {
                    assertThat(type).isEqualTo("unauthorized");
                }
                checked++;
            }
        }
        assertThat(failures).isEmpty();
        assertThat(checked).isEqualTo(server.routes().size() * callers.size());
    }

    private ApiClient.Response call(Route route, Credentials who) {
        String path = route.path()
                .replace("{name}", "authz-probe")
                .replace("{gatewayId}", "9999")
                .replace("{volumeId}", "1")
                .replace("{id}", "999999")
                .replace("{login}", "nobody-here");
        String body = route.body() == Route.Body.JSON ? "{}" : null;
        return api.send(
                route.method().name(),
                path,
                body,
                body == null ? null : "application/json",
                who,
                Map.of("If-Match", "\"1\""));
    }
}
