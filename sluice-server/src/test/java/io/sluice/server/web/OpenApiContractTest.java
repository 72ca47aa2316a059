package io.sluice.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.OpenApiSchemas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real answers hold to the served OpenAPI document: the web server in front of the real database manager, SLA services
 * and monitor, a gateway reporting one volume steadily, and a call to each kind of route (sign-in, users, tokens, the
 * three document kinds, gateways and their actions, volumes and their history, manual throttles, the live views,
 * compliance, alerts, forecasts, health, the pair's roles, audit, the document itself), every 2xx JSON answer checked
 * against the schema the document gives for it and every body sent against the request schema.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OpenApiContractTest extends RealWebTestBase {
    private static final long GATEWAY_ID = 41;
    private static final int VOLUME_ID = 7;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SteadyGatewayReports reports;
    private OpenApiSchemas doc;
    private final List<String> failures = new ArrayList<>();
    private int checked;
    private long recordedAt;

    @BeforeAll
    void startReporting() throws Exception {
        seeder.gateway(GATEWAY_ID, "APPROVED", "contract-host");
        recordedAt = System.currentTimeMillis();
        RecordedHistory.appendSeconds(backend, VOLUME_ID, recordedAt, 30);
        seeder.volume(VOLUME_ID, GATEWAY_ID);
        reports = new SteadyGatewayReports(backend, GATEWAY_ID, VOLUME_ID, RealBackend.INTERVAL_MILLIS);
        doc = new OpenApiSchemas(api.get("/api/openapi.json", Credentials.NONE).json());
    }

    @AfterAll
    void stopReporting() throws InterruptedException {
        if (reports != null) {
            reports.close();
        }
    }

    @Test
    void realAnswersMatchTheirSchemas() throws Exception {
        awaitLive();
        Credentials token = Credentials.token(operatorToken);

        call("GET", "/api/session", "/api/session", null, viewer);
        call("GET", "/api/session", "/api/session", null, Credentials.NONE);
        call("POST", "/api/session", "/api/session", Map.of("login", "viewer", "password", PASSWORD), Credentials.NONE);
        call("GET", "/api/users", "/api/users", null, admin);
        call(
                "POST",
                "/api/users",
                "/api/users",
                Map.of("login", "contract", "role", "VIEWER", "password", PASSWORD),
                admin);
        call("PUT", "/api/users/{login}", "/api/users/contract", Map.of("disabled", true), admin);
        call("GET", "/api/tokens", "/api/tokens", null, admin);
        call("POST", "/api/tokens", "/api/tokens", Map.of("name", "contract-token", "role", "VIEWER"), admin);
        call("DELETE", "/api/tokens/{name}", "/api/tokens/contract-token", null, admin);

        Map<String, Object> sla = Map.of(
                "name",
                "contract-gold",
                "scope",
                Map.of("kind", "VOLUME", "id", Integer.toString(VOLUME_ID)),
                "iopsLimit",
                5000,
                "reservedIops",
                1000,
                "priority",
                "STANDARD");
        call("POST", "/api/slas/validate", "/api/slas/validate", sla, token);
        call("POST", "/api/slas", "/api/slas", sla, token);
        call("GET", "/api/slas", "/api/slas", null, viewer);
        call("GET", "/api/slas/{name}", "/api/slas/contract-gold", null, viewer);
        callWithVersion(
                "PUT",
                "/api/slas/{name}",
                "/api/slas/contract-gold",
                Map.of(
                        "name",
                        "contract-gold",
                        "scope",
                        Map.of("kind", "VOLUME", "id", Integer.toString(VOLUME_ID)),
                        "iopsLimit",
                        6000),
                token);
        call("GET", "/api/slas/{name}/history", "/api/slas/contract-gold/history", null, viewer);
        call("POST", "/api/slas", "/api/slas", Map.of("name", "contract-brief"), token);
        callWithVersion("DELETE", "/api/slas/{name}", "/api/slas/contract-brief", null, token);
        call(
                "POST",
                "/api/groups",
                "/api/groups",
                Map.of("name", "contract-tenant", "kind", "TENANT", "members", List.of(VOLUME_ID)),
                token);
        call("GET", "/api/groups", "/api/groups", null, viewer);
        call(
                "POST",
                "/api/policies",
                "/api/policies",
                Map.of(
                        "name",
                        "contract-protect",
                        "kind",
                        "ON_VIOLATION",
                        "sla",
                        "contract-gold",
                        "after",
                        3,
                        "window",
                        5,
                        "actions",
                        List.of("ALERT")),
                token);
        call("GET", "/api/policies/{name}", "/api/policies/contract-protect", null, viewer);

        call("GET", "/api/gateways", "/api/gateways", null, viewer);
        call(
                "POST",
                "/api/gateways/enrollment-tokens",
                "/api/gateways/enrollment-tokens",
                Map.of("note", "contract"),
                admin);
        call("POST", "/api/gateways/{gatewayId}/approve", "/api/gateways/" + GATEWAY_ID + "/approve", null, admin);
        call("POST", "/api/gateways/{gatewayId}/reject", "/api/gateways/" + (GATEWAY_ID + 1) + "/reject", null, admin);
        call("POST", "/api/gateways/{gatewayId}/revoke", "/api/gateways/" + (GATEWAY_ID + 2) + "/revoke", null, admin);
        call(
                "POST",
                "/api/gateways/{gatewayId}/shared-volumes/bind",
                "/api/gateways/" + GATEWAY_ID + "/shared-volumes/bind",
                Map.of("name", "contract-shared"),
                admin);
        call(
                "POST",
                "/api/gateways/{gatewayId}/shared-volumes/unbind",
                "/api/gateways/" + GATEWAY_ID + "/shared-volumes/unbind",
                Map.of("name", "contract-shared"),
                admin);
        call("GET", "/api/volumes", "/api/volumes", null, viewer);
        call("GET", "/api/volumes/{volumeId}/history", historyPath(), null, viewer);
        call("GET", "/api/live/volumes", "/api/live/volumes", null, viewer);
        call("GET", "/api/live/volumes/{volumeId}", "/api/live/volumes/" + VOLUME_ID + "?seconds=30", null, viewer);
        call("GET", "/api/live/groups", "/api/live/groups", null, viewer);
        call("GET", "/api/compliance", "/api/compliance", null, viewer);
        call("GET", "/api/compliance/report", "/api/compliance/report", null, viewer);
        long alert = seeder.alert("capacity:contract", "WARNING", "raised for the contract test")
                .path("id")
                .asLong();
        call("GET", "/api/alerts", "/api/alerts", null, viewer);
        call("POST", "/api/alerts/{id}/ack", "/api/alerts/" + alert + "/ack", null, operator);
        call("GET", "/api/forecasts", "/api/forecasts", null, viewer);
        call("GET", "/api/health", "/api/health", null, viewer);
        call("GET", "/api/pair", "/api/pair", null, viewer);
        call(
                "POST",
                "/api/volumes/{volumeId}/throttle",
                "/api/volumes/" + VOLUME_ID + "/throttle",
                Map.of("iopsLimit", 5_000, "durationSeconds", 600, "reason", "contract"),
                operator);
        call("GET", "/api/throttles", "/api/throttles", null, viewer);
        call("DELETE", "/api/volumes/{volumeId}/throttle", "/api/volumes/" + VOLUME_ID + "/throttle", null, operator);
        call("GET", "/api/audit", "/api/audit", null, admin);
        call("GET", "/api/openapi.json", "/api/openapi.json", null, Credentials.NONE);

        assertThat(failures).isEmpty();
        assertThat(checked).isEqualTo(45);
    }

    /** The answers are worth checking once the volume has a live interval and a stored sample. */
    private void awaitLive() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            JsonNode volumes = api.get("/api/volumes", viewer).json().path("items");
            JsonNode history = api.get(historyPath(), viewer).json().path("points");
            boolean live = false;
            for (JsonNode v : volumes) {
                live |= v.path("volumeId").asInt() == VOLUME_ID
                        && v.path("live").isObject();
            }
            if (live && history.size() > 0) {
                return;
            }
            assertThat(System.nanoTime())
                    .as(
                            "volume %d live and stored within 90 s: %s %s",
                            VOLUME_ID, volumes, api.get(historyPath(), viewer))
                    .isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    /** The minutes around the recorded samples, at one point a second. */
    private String historyPath() {
        return "/api/volumes/" + VOLUME_ID + "/history?resolution=1s&from=" + (recordedAt - 300_000) + "&to="
                + (recordedAt + 60_000);
    }

    private void callWithVersion(String method, String template, String path, Object body, Credentials who)
            throws Exception {
        String version = api.get(path, viewer).header("ETag");
        send(method, template, path, body, who, Map.of("If-Match", version));
    }

    private void call(String method, String template, String path, Object body, Credentials who) throws Exception {
        send(method, template, path, body, who, Map.of());
    }

    private void send(
            String method, String template, String path, Object body, Credentials who, Map<String, String> headers)
            throws Exception {
        checked++;
        String where = method + " " + path;
        JsonNode operation = doc.document().path("paths").path(template).path(method.toLowerCase(Locale.ROOT));
        if (operation.isMissingNode()) {
            failures.add(where + ": the document has no " + method + " " + template);
            return;
        }
        if (body != null) {
            JsonNode request = operation
                    .path("requestBody")
                    .path("content")
                    .path("application/json")
                    .path("schema");
            for (String v : doc.violations(request, JSON.valueToTree(body))) {
                failures.add(where + " request " + v);
            }
        }
        ApiClient.Response r = api.send(
                method,
                path,
                body == null ? null : ApiClient.json(body),
                body == null ? null : "application/json",
                who,
                headers);
        if (r.status() / 100 != 2) {
            failures.add(where + ": " + r);
            return;
        }
        JsonNode schema = doc.jsonResponse(method, template, "200");
        if (schema == null) {
            failures.add(where + ": the document gives no JSON answer");
            return;
        }
        for (String v : doc.violations(schema, r.json())) {
            failures.add(where + " answer " + v + " in " + r.body());
        }
    }
}
