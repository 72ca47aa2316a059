package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.web.auth.Secrets;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.WebTestBase;
import io.sluice.web.http.Route;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** CSRF, hostile bodies, injection attempts, versions, headers and the API document, through real HTTP. */
public class ApiBehaviourTest extends WebTestBase {
    private static Map<String, Object> sla(String name, int limit, int reserved) {
        return Map.of(
                "name",
                name,
                "scope",
                Map.of("kind", "VOLUME", "id", "7"),
                "iopsLimit",
                limit,
                "reservedIops",
                reserved,
                "priority",
                "STANDARD");
    }

    @Test
    void sessionChangesNeedTheCsrfTokenAndBearerTokensDoNot() {
        ApiClient.Response missing = api.post("/api/slas", sla("csrf-a", 1000, 100), operator.withoutCsrf());
        assertThat(missing.status()).isEqualTo(403);
        assertThat(missing.problemType()).isEqualTo("csrf");
        ApiClient.Response wrong = api.post("/api/slas", sla("csrf-a", 1000, 100), operator.withCsrf("not-the-token"));
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(api.post("/api/slas", sla("csrf-a", 1000, 100), operator).status())
                .isEqualTo(201);
        assertThat(api.post("/api/slas", sla("csrf-b", 1000, 100), Credentials.token(operatorToken))
                        .status())
                .isEqualTo(201);
        // Reads need no token.
        assertThat(api.get("/api/slas", viewer.withoutCsrf()).status()).isEqualTo(200);
    }

    @Test
    void sessionCookieIsHttpOnlyAndSameSiteStrict() {
        ApiClient.Response r =
                api.post("/api/session", Map.of("login", "viewer", "password", PASSWORD), Credentials.NONE);
        String cookie = r.header("Set-Cookie");
        assertThat(cookie)
                .contains("HttpOnly")
                .containsIgnoringCase("SameSite=Strict")
                .contains("Path=/");
    }

    @Test
    void malformedWrongTypeAndOversizeBodiesGetProblems() {
        ApiClient.Response malformed =
                api.send("POST", "/api/slas", "{\"name\": ", "application/json", operator, Map.of());
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.problemType()).isEqualTo("malformed-json");
        ApiClient.Response array = api.send("POST", "/api/slas", "[1,2]", "application/json", operator, Map.of());
        assertThat(array.status()).isEqualTo(400);
        ApiClient.Response trailing =
                api.send("POST", "/api/slas", "{\"name\":\"x\"} {}", "application/json", operator, Map.of());
        assertThat(trailing.status()).isEqualTo(400);
        ApiClient.Response deep = api.send(
                "POST", "/api/slas", "[".repeat(5000) + "]".repeat(5000), "application/json", operator, Map.of());
        assertThat(deep.status()).isEqualTo(400);
        ApiClient.Response form =
                api.send("POST", "/api/slas", "name=x", "application/x-www-form-urlencoded", operator, Map.of());
        assertThat(form.status()).isEqualTo(415);
        String huge = "{\"name\":\"big\",\"pad\":\"" + "x".repeat(200_000) + "\"}";
        ApiClient.Response oversize = api.send("POST", "/api/slas", huge, "application/json", operator, Map.of());
        assertThat(oversize.status()).isEqualTo(413);
        assertThat(oversize.problemType()).isEqualTo("too-large");
        ApiClient.Response chunked = api.sendStreamed("POST", "/api/slas", huge, operator);
        assertThat(chunked.status()).as(chunked.toString()).isEqualTo(413);
        ApiClient.Response wrongType = api.post("/api/slas", Map.of("name", 42), operator);
        assertThat(wrongType.status()).isEqualTo(422);
        assertThat(wrongType.json().path("field").asText()).isEqualTo("name");
        assertThat(wrongType.json().path("rule").asText()).isEqualTo("type");
        ApiClient.Response badQuery = api.get("/api/volumes/1/history?from=abc", viewer);
        assertThat(badQuery.status()).isEqualTo(422);
        assertThat(badQuery.json().path("field").asText()).isEqualTo("from");
    }

    @Test
    void injectionAttemptsAreRefusedOrStoredAsPlainText() {
        ApiClient.Response sql = api.post("/api/slas", sla("x'; DROP TABLE slas;--", 1000, 0), operator);
        assertThat(sql.status()).isEqualTo(422);
        assertThat(sql.json().path("field").asText()).isEqualTo("name");
        assertThat(sql.json().path("rule").asText()).isEqualTo("pattern");
        assertThat(api.get("/api/slas/x'%20OR%20'1'%3D'1", viewer).status()).isEqualTo(422);
        ApiClient.Response script =
                api.post("/api/groups", Map.of("name", "<script>alert(1)</script>", "kind", "TENANT"), operator);
        assertThat(script.status()).isEqualTo(422);
        // A script tag in free text is data: stored and returned as a JSON string, never as markup.
        String message = "<script>alert('x')</script> latency high";
        seeder.alert("inject:1", "WARNING", message);
        ApiClient.Response alerts = api.get("/api/alerts", viewer);
        assertThat(alerts.contentType()).startsWith("application/json");
        assertThat(alerts.header("X-Content-Type-Options")).isEqualTo("nosniff");
        boolean found = false;
        for (JsonNode a : alerts.json().path("items")) {
            found |= a.path("message").asText().equals(message);
        }
        assertThat(found).isTrue();
        ApiClient.Response report = api.get("/api/compliance/report?format=csv&sla=" + "=cmd", viewer);
        assertThat(report.status()).isEqualTo(422);
    }

    @Test
    void updatesNeedTheCurrentVersionAndConflictsAre409() {
        ApiClient.Response created = api.post("/api/slas", sla("gold", 5000, 1000), operator);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/api/slas/gold");
        assertThat(created.json().path("version").asLong()).isEqualTo(1);
        assertThat(created.json().path("apply").path("applied").asBoolean()).isTrue();
        assertThat(api.post("/api/slas", sla("gold", 5000, 1000), operator).status())
                .isEqualTo(409);

        ApiClient.Response read = api.get("/api/slas/gold", viewer);
        assertThat(read.header("ETag")).isEqualTo("\"1\"");
        ApiClient.Response noVersion = api.put("/api/slas/gold", sla("gold", 6000, 1000), operator, Map.of());
        assertThat(noVersion.status()).isEqualTo(428);
        ApiClient.Response updated =
                api.put("/api/slas/gold", sla("gold", 6000, 1000), operator, Map.of("If-Match", "\"1\""));
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(updated.json().path("version").asLong()).isEqualTo(2);
        ApiClient.Response stale =
                api.put("/api/slas/gold", sla("gold", 7000, 1000), operator, Map.of("If-Match", "\"1\""));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.problemType()).isEqualTo("conflict");
        assertThat(stale.json().path("currentVersion").asLong()).isEqualTo(2);
        ApiClient.Response viaBody = api.put(
                "/api/slas/gold", Map.of("expectedVersion", 2, "spec", sla("gold", 7000, 1000)), operator, Map.of());
        assertThat(viaBody.json().path("version").asLong()).isEqualTo(3);
        ApiClient.Response renamed =
                api.put("/api/slas/gold", sla("silver", 7000, 1000), operator, Map.of("If-Match", "\"3\""));
        assertThat(renamed.status()).isEqualTo(422);
        assertThat(renamed.json().path("rule").asText()).isEqualTo("immutable");

        ApiClient.Response invalid =
                api.put("/api/slas/gold", sla("gold", 100, 500), operator, Map.of("If-Match", "\"3\""));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.json().path("field").asText()).isEqualTo("reservedIops");
        assertThat(invalid.json().path("rule").asText()).isEqualTo("reservation-within-limit");
        ApiClient.Response check = api.post("/api/slas/validate", sla("gold", 100, 500), operator);
        assertThat(check.status()).isEqualTo(422);

        assertThat(api.get("/api/slas/gold/history", viewer)
                        .json()
                        .path("items")
                        .size())
                .isEqualTo(3);
        ApiClient.Response deleted = api.delete("/api/slas/gold", operator, Map.of("If-Match", "\"3\""));
        assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
        assertThat(api.get("/api/slas/gold", viewer).status()).isEqualTo(404);
        ApiClient.Response recreated = api.post("/api/slas", sla("gold", 5000, 1000), operator);
        assertThat(recreated.status()).as(recreated.toString()).isEqualTo(201);
        assertThat(recreated.json().path("version").asLong()).isEqualTo(5);
    }

    @Test
    void everyResponseCarriesSecurityHeaders() {
        for (String path : new String[] {"/", "/app.js", "/api/session", "/api/openapi.json", "/api/nothing-here"}) {
            ApiClient.Response r = api.get(path, Credentials.NONE);
            assertThat(r.header("Content-Security-Policy"))
                    .as(path)
                    .contains("script-src 'self'")
                    .contains("frame-ancestors 'none'")
                    .doesNotContain("script-src 'self' 'unsafe-inline'");
            assertThat(r.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(r.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
        }
        ApiClient.Response missing = api.get("/api/nothing-here", Credentials.NONE);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(api.get("/", Credentials.NONE).body()).contains("<main id=\"main\"");
        assertThat(api.get("/webjars/chart.js/4.5.1/dist/chart.umd.min.js", Credentials.NONE)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void theApiDocumentListsEveryRoute() {
        JsonNode doc = api.get("/api/openapi.json", Credentials.NONE).json();
        assertThat(doc.path("openapi").asText()).isEqualTo("3.0.3");
        Set<String> operationIds = new HashSet<>();
        for (Route route : server.routes()) {
            JsonNode op = doc.path("paths")
                    .path(route.path())
                    .path(route.method().name().toLowerCase());
            assertThat(op.isObject()).as(route.key()).isTrue();
            assertThat(op.path("x-sluice-role").asText())
                    .isEqualTo(route.role() == null ? "public" : route.role().name());
            assertThat(operationIds.add(op.path("operationId").asText()))
                    .as("operationId of " + route.key() + " is unique")
                    .isTrue();
            // A result without content gives a generated client nothing to return (sign-out alone answers 204).
            JsonNode ok = op.path("responses").path("200");
            if (route.key().equals("DELETE /api/session")) {
                assertThat(op.path("responses").has("204")).isTrue();
            } else {
                assertThat(ok.path("content").size())
                        .as(route.key() + " describes its result")
                        .isPositive();
                ok.path("content")
                        .forEach(media -> assertThat(media.path("schema").isObject())
                                .as(route.key())
                                .isTrue());
            }
            if (op.has("requestBody")) {
                assertThat(op.path("requestBody")
                                .path("content")
                                .path("application/json")
                                .path("schema")
                                .isObject())
                        .as(route.key() + " describes its body")
                        .isTrue();
            }
        }
        // The shapes a client program needs typed, and every reference resolving to a schema the document holds.
        assertThat(op(doc, "post", "/api/slas")
                        .path("requestBody")
                        .path("content")
                        .path("application/json")
                        .path("schema")
                        .path("$ref")
                        .asText())
                .isEqualTo("#/components/schemas/SlaSpec");
        assertThat(result(op(doc, "post", "/api/slas")).path("$ref").asText()).isEqualTo("#/components/schemas/SlaDoc");
        assertThat(result(op(doc, "get", "/api/slas/{name}")).path("$ref").asText())
                .isEqualTo("#/components/schemas/SlaDoc");
        assertThat(result(op(doc, "get", "/api/compliance")).path("$ref").asText())
                .isEqualTo("#/components/schemas/ComplianceNow");
        assertThat(result(op(doc, "get", "/api/gateways")).path("$ref").asText())
                .isEqualTo("#/components/schemas/GatewayList");
        JsonNode schemas = doc.path("components").path("schemas");
        assertThat(schemas.path("SlaSpec")
                        .path("properties")
                        .path("iopsLimit")
                        .path("type")
                        .asText())
                .isEqualTo("integer");
        assertThat(schemas.path("SlaCompliance")
                        .path("properties")
                        .path("state")
                        .path("enum")
                        .toString())
                .isEqualTo("[\"MET\",\"AT_RISK\",\"VIOLATED\"]");
        List<String> refs = doc.findValuesAsText("$ref");
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/components/schemas/");
            assertThat(schemas.has(ref.substring("#/components/schemas/".length())))
                    .as(ref + " resolves")
                    .isTrue();
        }
    }

    private static JsonNode op(JsonNode doc, String method, String path) {
        return doc.path("paths").path(path).path(method);
    }

    private static JsonNode result(JsonNode op) {
        return op.path("responses")
                .path("200")
                .path("content")
                .path("application/json")
                .path("schema");
    }

    @Test
    void theSetupTokenWorksOnceAndLoginIsRateLimited() {
        String token = server.setupToken().orElseThrow();
        ApiClient.Response again = api.post(
                "/api/setup", Map.of("token", token, "login", "mallory", "password", PASSWORD), Credentials.NONE);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("setup-done");
        int limited = 0;
        for (int i = 0; i < 7; i++) {
            ApiClient.Response r = api.post(
                    "/api/session",
                    Map.of("login", "ratelimit-probe", "password", "wrong password " + i),
                    Credentials.NONE);
            assertThat(r.status()).isIn(401, 429);
            if (r.status() == 429) {
                limited++;
                assertThat(r.header("Retry-After")).isNotNull();
            }
        }
        assertThat(limited).isGreaterThan(0);
    }

    @Test
    void historyPagesThatDoNotFitASlotAreAskedForInSmallerPages() {
        long to = 1_800_000_000_000L;
        ApiClient.Response r = api.get(
                "/api/volumes/7/history?resolution=1s&limit=5000&from=" + (to - 3_600_000) + "&to=" + to, viewer);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("resolution").asText()).isEqualTo("1s");
        assertThat(r.json().path("points").size()).isBetween(1, 4999);
        assertThat(r.json().path("next").isNull()).isFalse();
        ApiClient.Response badResolution = api.get("/api/volumes/7/history?resolution=5s", viewer);
        assertThat(badResolution.status()).isEqualTo(422);
        assertThat(badResolution.json().path("rule").asText()).isEqualTo("enum");
    }

    @Test
    void revokedTokensAndDisabledUsersAreShutOut() {
        ApiClient.Response created = api.post("/api/tokens", Map.of("name", "short-lived", "role", "VIEWER"), admin);
        String token = created.json().path("token").asText();
        assertThat(api.get("/api/slas", Credentials.token(token)).status()).isEqualTo(200);
        assertThat(api.delete("/api/tokens/short-lived", admin, Map.of()).status())
                .isEqualTo(200);
        ApiClient.Response revoked = api.get("/api/slas", Credentials.token(token));
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(api.get("/api/slas", Credentials.token("slc_never-issued")).status())
                .isEqualTo(401);

        assertThat(api.post("/api/users", Map.of("login", "leaver", "role", "OPERATOR", "password", PASSWORD), admin)
                        .status())
                .isEqualTo(201);
        Credentials leaver = login("leaver", PASSWORD);
        assertThat(api.put("/api/users/leaver", Map.of("disabled", true), admin, Map.of())
                        .status())
                .isEqualTo(200);
        assertThat(api.get("/api/slas", leaver).status()).isEqualTo(401);
        ApiClient.Response again =
                api.post("/api/session", Map.of("login", "leaver", "password", PASSWORD), Credentials.NONE);
        assertThat(again.status()).isEqualTo(401);
        ApiClient.Response weak =
                api.post("/api/users", Map.of("login", "weak", "role", "VIEWER", "password", "short"), admin);
        assertThat(weak.status()).isEqualTo(422);
        assertThat(weak.json().path("rule").asText()).isEqualTo("min-length");
    }

    @Test
    void complianceReportDownloadsAsCsv() {
        api.post("/api/slas", sla("bronze", 1000, 0), operator);
        ApiClient.Response csv = api.get("/api/compliance/report?format=csv", viewer);
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.header("Content-Disposition")).startsWith("attachment;");
        assertThat(csv.body()).startsWith("sla,scope,dimension,").contains("bronze,VOLUME:7,LIMIT,");
    }

    @Test
    void anApprovalTheMonitorCouldNotSaveIsA503ThatSaysSoWithoutTheMonitorsPaths() throws Exception {
        // Only the in-memory monitor can answer as a full disk would (root writes through any mode); the real
        // monitor's refusal to persist is RegistryFailClosedTest's, in sluice-monitor.
        Assumptions.assumeTrue(
                backend instanceof InMemoryBackend, "needs a monitor that answers as if its registry's disk were full");
        seeder.gateway(InMemoryBackend.REGISTRY_DISK_FULL_GATEWAY, "PENDING");
        ApiClient.Response refused = api.send(
                "POST",
                "/api/gateways/" + InMemoryBackend.REGISTRY_DISK_FULL_GATEWAY + "/approve",
                null,
                null,
                admin,
                Map.of());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.problemType()).isEqualTo("registry-not-saved");
        assertThat(refused.body()).doesNotContain("/srv/sluice", "No space");
        JsonNode approved = api.get("/api/gateways?state=APPROVED", Credentials.token(adminToken))
                .json();
        assertThat(approved.toString())
                .as("not approved in the database either")
                .doesNotContain("\"gatewayId\":" + InMemoryBackend.REGISTRY_DISK_FULL_GATEWAY);
    }

    @Test
    void anApprovalRefusedWhileTheRegistrysDatabaseIsAwayIsATyped503() throws Exception {
        Assumptions.assumeTrue(
                backend instanceof InMemoryBackend,
                "needs a monitor that answers as if its registry's database were away");
        seeder.gateway(InMemoryBackend.REGISTRY_DB_AWAY_GATEWAY, "PENDING");
        ApiClient.Response refused = api.send(
                "POST",
                "/api/gateways/" + InMemoryBackend.REGISTRY_DB_AWAY_GATEWAY + "/approve",
                null,
                null,
                admin,
                Map.of());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.problemType()).isEqualTo("registry-unavailable");
        JsonNode approved = api.get("/api/gateways?state=APPROVED", Credentials.token(adminToken))
                .json();
        assertThat(approved.toString())
                .as("not approved in the statistics' registry either")
                .doesNotContain("\"gatewayId\":" + InMemoryBackend.REGISTRY_DB_AWAY_GATEWAY);
    }

    @Test
    void gatewaysAreApprovedThroughTheMonitorAndAudited() throws Exception {
        seeder.gateway(42, "PENDING");
        ApiClient.Response approved = api.send("POST", "/api/gateways/42/approve", null, null, admin, Map.of());
        assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
        assertThat(approved.json().path("state").asText()).isEqualTo("APPROVED");
        JsonNode audit =
                api.get("/api/audit?limit=50", Credentials.token(adminToken)).json();
        boolean recorded = false;
        for (JsonNode a : audit.path("items")) {
            recorded |= a.path("action").asText().equals("gateway.approved")
                    && a.path("actor").asText().equals("user:admin");
        }
        assertThat(recorded).as(audit.toString()).isTrue();
        ApiClient.Response token = api.post("/api/gateways/enrollment-tokens", Map.of("note", "rack 4"), admin);
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        String issued = token.json().path("token").asText();
        assertThat(issued).startsWith("enroll_");
        assertThat(token.json().path("sha256").asText()).isEqualTo(Secrets.sha256Hex(issued));
        assertEnrollmentTokenAdmitsAGateway(issued);
    }

    @Test
    void sharedVolumesAreBoundAndUnboundThroughTheMonitorAndAudited() throws Exception {
        ApiClient.Response bound = api.post("/api/gateways/42/shared-volumes/bind", Map.of("name", "lun 7"), admin);
        assertThat(bound.status()).as(bound.toString()).isEqualTo(200);
        assertThat(bound.json().path("bound").asBoolean()).isTrue();
        ApiClient.Response unbound = api.post("/api/gateways/43/shared-volumes/unbind", Map.of("name", "lun 7"), admin);
        assertThat(unbound.status()).as(unbound.toString()).isEqualTo(200);
        assertThat(unbound.json().path("bound").asBoolean()).isFalse();
        if (backend instanceof InMemoryBackend memory) {
            assertThat(memory.sharedVolumeCalls()).containsExactly("bind 42 lun 7", "unbind 43 lun 7");
        }
        ApiClient.Response tooLong =
                api.post("/api/gateways/42/shared-volumes/bind", Map.of("name", "\u00e9".repeat(33)), admin);
        assertThat(tooLong.status()).as("65 bytes of UTF-8: " + tooLong).isEqualTo(422);
        JsonNode audit =
                api.get("/api/audit?limit=50", Credentials.token(adminToken)).json();
        assertThat(audit.toString()).contains("gateway.shared-volume.bind", "gateway.shared-volume.unbind");
    }

    /** The monitor behind the API now admits one gateway presenting {@code token}. */
    protected void assertEnrollmentTokenAdmitsAGateway(String token) throws Exception {
        assertThat(((InMemoryBackend) backend).enrollmentTokenHashes())
                .as("the monitor was given the token's hash, not the token")
                .containsExactly(Secrets.sha256Hex(token));
    }
}
