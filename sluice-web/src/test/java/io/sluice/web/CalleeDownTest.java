package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.WebTestBase;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** When a process behind the web role is down, requests that need it get a 503 problem, never a hang. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class CalleeDownTest extends WebTestBase {
    @Test
    @Order(1)
    void servicesDownRefusesChangesButStillServesStoredData() {
        backend.stopServices();
        ApiClient.Response create = api.post("/api/slas", Map.of("name", "while-down", "iopsLimit", 10), operator);
        assertThat(create.status()).isEqualTo(503);
        assertThat(create.problemType()).isEqualTo("unavailable");
        // Which process is down is in the log under the correlation id, and in /api/health for the signed-in.
        assertThat(create.json().path("correlationId").asText()).isNotEmpty();
        assertThat(api.get("/api/compliance", viewer).status()).isEqualTo(503);
        assertThat(api.get("/api/slas", viewer).status()).isEqualTo(200);
        ApiClient.Response health = api.get("/api/health", viewer);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("processes").path("services").path("up").asBoolean())
                .isFalse();
        assertThat(health.json().path("processes").path("db").path("up").asBoolean())
                .isTrue();
    }

    @Test
    @Order(2)
    void databaseDownIsA503Too() {
        backend.stopDb();
        ApiClient.Response list = api.get("/api/slas", viewer);
        assertThat(list.status()).isEqualTo(503);
        assertThat(list.contentType()).startsWith("application/problem+json");
        ApiClient.Response login =
                api.post("/api/session", Map.of("login", "viewer", "password", PASSWORD), ApiClient.Credentials.NONE);
        assertThat(login.status()).isEqualTo(503);
        // A token the server has not seen cannot be checked without the database: 503, not 401.
        assertThat(api.get("/api/slas", ApiClient.Credentials.token("slc_unknown"))
                        .status())
                .isEqualTo(503);
    }
}
