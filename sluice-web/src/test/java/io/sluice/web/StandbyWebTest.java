package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.SupervisorStatus;
import io.sluice.web.harness.WebTestBase;
import io.sluice.web.http.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The web of a server in a pair follows its supervisor's role (status.json's {@code ha}): on a standby every change the
 * API offers is refused with 503 {@code standby} naming the active, and nothing is stored; reads, signing in and
 * signing out go on; a promotion lifts the refusal without a restart.
 */
class StandbyWebTest extends WebTestBase {
    private static final Map<String, Object> SLA = Map.of(
            "name",
            "gold",
            "scope",
            Map.of("kind", "VOLUME", "id", "7"),
            "iopsLimit",
            5000,
            "reservedIops",
            1000,
            "priority",
            "STANDARD");

    private SupervisorStatus supervisor;

    @Override
    protected WebContext context(Path mailboxDir, String serverName) {
        supervisor = new SupervisorStatus(mailboxDir.resolve("status.json"), "sla-a.example:7070");
        // Active while the harness creates its users and tokens; each test says what the supervisor writes next.
        supervisor.write("active", "sla-a.example:7070", 1);
        return super.context(mailboxDir, serverName).withPairStatus(supervisor.file());
    }

    /** Every route that may change state and is not served on a standby, with its path parameters filled in. */
    private List<Route> changes() {
        return server.routes().stream()
                .filter(r -> r.changesState() && !r.onStandby())
                .toList();
    }

    private ApiClient.Response send(Route r) {
        String path = r.path().replaceAll("\\{[^}]+}", "1");
        String body = r.body() == Route.Body.JSON ? "{}" : null;
        return api.send(
                r.method().name(),
                path,
                body,
                body == null ? null : "application/json",
                Credentials.token(adminToken),
                Map.of());
    }

    private static void assertRefused(ApiClient.Response r, String active) {
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.problemType()).as(r.toString()).isEqualTo("standby");
        JsonNode body = r.json();
        assertThat(body.path("error").asText()).isEqualTo("standby");
        if (active == null) {
            assertThat(body.has("active") && body.get("active").isNull())
                    .as(r.toString())
                    .isTrue();
        } else {
            assertThat(body.path("active").asText()).as(r.toString()).isEqualTo(active);
            assertThat(body.path("detail").asText()).contains(active);
        }
        assertThat(r.header("Retry-After")).isNotNull();
    }

    @Test
    void aStandbyRefusesEveryChangeServesReadsAndIsLiftedByAPromotion() {
        InMemoryBackend memory = (InMemoryBackend) backend;
        seeder.gateway(1, "APPROVED");
        seeder.volume(7, 1);
        int auditBefore =
                api.get("/api/audit?limit=1000", admin).json().path("items").size();
        int usersBefore = api.get("/api/users", admin).json().path("items").size();
        int tokensBefore = api.get("/api/tokens", admin).json().path("items").size();
        supervisor.write("standby", "sla-b.example:7070", 4);

        List<Route> changes = changes();
        assertThat(changes.stream().map(Route::key))
                .as("the routes that must be refused on a standby")
                .contains(
                        "POST /api/slas",
                        "PUT /api/slas/{name}",
                        "DELETE /api/slas/{name}",
                        "POST /api/policies",
                        "POST /api/groups",
                        "POST /api/volumes/{volumeId}/throttle",
                        "DELETE /api/volumes/{volumeId}/throttle",
                        "POST /api/gateways/{gatewayId}/approve",
                        "POST /api/gateways/{gatewayId}/poll",
                        "POST /api/gateways/enrollment-tokens",
                        "POST /api/alerts/{id}/ack",
                        "POST /api/users",
                        "POST /api/tokens",
                        "DELETE /api/tokens/{name}",
                        "POST /api/setup")
                .doesNotContain("POST /api/session", "DELETE /api/session", "POST /api/slas/validate");
        for (Route r : changes) {
            assertRefused(send(r), "sla-b.example");
        }
        assertRefused(api.post("/api/slas", SLA, operator), "sla-b.example");
        assertRefused(
                api.post("/api/volumes/7/throttle", Map.of("iopsLimit", 300, "durationSeconds", 600), operator),
                "sla-b.example");

        // Nothing stored or sent: no SLA, no user, no throttle, no poll, no audit record of a change.
        assertThat(api.get("/api/slas", viewer).json().path("items")).isEmpty();
        assertThat(api.get("/api/users", admin).json().path("items").size()).isEqualTo(usersBefore);
        assertThat(memory.appliedThrottles()).isEmpty();
        assertThat(memory.polledGateways()).isEmpty();
        assertThat(api.get("/api/gateways", viewer)
                        .json()
                        .path("items")
                        .get(0)
                        .path("state")
                        .asText())
                .isEqualTo("APPROVED");
        assertThat(api.get("/api/tokens", admin).json().path("items").size()).isEqualTo(tokensBefore);
        assertThat(api.get("/api/slas", Credentials.token(viewerToken)).status())
                .as("the automation tokens still work: none was revoked")
                .isEqualTo(200);

        // Reads, signing in and out, and checking a spec go on.
        ApiClient.Response pair = api.get("/api/pair", viewer);
        assertThat(pair.status()).isEqualTo(200);
        assertThat(pair.json().path("role").asText()).isEqualTo("standby");
        assertThat(pair.json().path("acting").asBoolean()).isFalse();
        assertThat(pair.json().path("active").asText()).isEqualTo("sla-b.example");
        assertThat(api.get("/api/health", viewer).status()).isEqualTo(200);
        Credentials fresh = login("viewer", PASSWORD);
        assertThat(api.get("/api/session", fresh).json().path("signedIn").asBoolean())
                .isTrue();
        assertThat(api.delete("/api/session", fresh, Map.of()).status()).isEqualTo(204);
        assertThat(api.post("/api/slas/validate", SLA, operator).problemType()).isNotEqualTo("standby");
        JsonNode audit = api.get("/api/audit?limit=1000", admin).json().path("items");
        assertThat(audit).as("only the sign-in and sign-out were recorded").hasSize(auditBefore + 2);

        // Promoted: the supervisor rewrites status.json and the next change is taken, with no restart.
        supervisor.write("active", "sla-a.example:7070", 5);
        ApiClient.Response created = api.post("/api/slas", SLA, operator);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(api.get("/api/pair", viewer).json().path("acting").asBoolean())
                .isTrue();
    }

    @Test
    void aServerInAPairWhoseRoleIsNotKnownYetChangesNothing() throws IOException {
        Files.delete(supervisor.file());
        try {
            assertRefused(api.post("/api/groups", Map.of("name", "tenant-a", "kind", "TENANT"), operator), null);
            assertThat(api.get("/api/pair", viewer).json().path("acting").asBoolean())
                    .isFalse();

            supervisor.write("standby", "sla-a.example:7070", 3);
            assertRefused(api.post("/api/groups", Map.of("name", "tenant-a", "kind", "TENANT"), operator), null);
        } finally {
            supervisor.write("active", "sla-a.example:7070", 6);
        }
        assertThat(api.get("/api/groups", viewer).json().path("items")).isEmpty();
    }
}
