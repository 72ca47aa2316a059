package io.sluice.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.WebTestBase;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator's actions through the API: fresh statistics of one gateway, and a manual throttle on a volume (set, shown
 * as manual with who set it and when it ends, listed, cancelled, audited), with every malformed request a typed 400
 * naming its field, and viewers refused.
 */
class OperatorActionsApiTest extends WebTestBase {
    private static final long VOLUME = 41;

    @Test
    void anOperatorAsksForFreshStatisticsOfAGatewayInSessionAndIsToldByTypeWhenItIsNot() {
        seeder.gateway(7, "APPROVED");
        seeder.gateway(8, "PENDING");
        InMemoryBackend memory = (InMemoryBackend) backend;

        assertThat(api.post("/api/gateways/7/poll", null, viewer).status()).isEqualTo(403);
        ApiClient.Response polled = api.post("/api/gateways/7/poll", null, operator);
        assertThat(polled.status()).as(polled.toString()).isEqualTo(200);
        assertThat(polled.json().path("gatewayId").asLong()).isEqualTo(7);
        assertThat(polled.json().path("requested").asBoolean()).isTrue();
        assertThat(memory.polledGateways()).containsExactly(7L);

        ApiClient.Response pending = api.post("/api/gateways/8/poll", null, operator);
        assertThat(pending.status()).isEqualTo(404);
        assertThat(pending.problemType()).isEqualTo("gateway-not-in-session");
        assertThat(api.post("/api/gateways/99/poll", null, operator).problemType())
                .isEqualTo("gateway-not-in-session");

        JsonNode audit = api.get("/api/audit", admin).json().path("items");
        assertThat(audit)
                .extracting(a -> a.path("action").asText() + " "
                        + a.path("target").asText() + " by " + a.path("actor").asText())
                .contains("gateway.poll gateway:7 by user:operator");
    }

    @Test
    void aManualThrottleIsSetShownAsManualListedCancelledAndAudited() {
        seeder.volume(VOLUME, 7);
        InMemoryBackend memory = (InMemoryBackend) backend;
        Map<String, Object> body = Map.of("iopsLimit", 300, "durationSeconds", 600, "reason", "noisy neighbour");
        assertThat(api.post("/api/volumes/41/throttle", body, viewer).status()).isEqualTo(403);

        ApiClient.Response set = api.post("/api/volumes/41/throttle", body, operator);
        assertThat(set.status()).as(set.toString()).isEqualTo(201);
        JsonNode throttle = set.json();
        assertThat(throttle.path("iopsLimit").asLong()).isEqualTo(300);
        assertThat(throttle.path("setBy").asText()).isEqualTo("user:operator");
        assertThat(throttle.path("expiresAt").asLong() - throttle.path("setAt").asLong())
                .isBetween(590_000L, 610_000L);
        assertThat(throttle.path("applied").asBoolean())
                .as("the services took it")
                .isTrue();
        assertThat(memory.appliedThrottles()).containsKey(VOLUME);

        JsonNode live =
                api.get("/api/live/volumes", viewer).json().path("items").get(0);
        assertThat(live.path("manual").path("setBy").asText())
                .as("shown as manual")
                .isEqualTo("user:operator");
        assertThat(live.path("manual").path("expiresAt").asLong())
                .isEqualTo(throttle.path("expiresAt").asLong());
        JsonNode listed = api.get("/api/throttles", viewer).json().path("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("reason").asText()).isEqualTo("noisy neighbour");

        assertThat(api.delete("/api/volumes/41/throttle", viewer, Map.of()).status())
                .isEqualTo(403);
        ApiClient.Response cancelled = api.delete("/api/volumes/41/throttle", operator, Map.of());
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().path("endedBy").asText()).isEqualTo("user:operator");
        assertThat(memory.appliedThrottles()).isEmpty();
        assertThat(api.get("/api/throttles", viewer).json().path("items")).isEmpty();
        assertThat(api.delete("/api/volumes/41/throttle", operator, Map.of()).status())
                .as("nothing left to cancel")
                .isEqualTo(404);

        JsonNode audit = api.get("/api/audit", admin).json().path("items");
        assertThat(audit)
                .extracting(a ->
                        a.path("action").asText() + " by " + a.path("actor").asText())
                .contains("volume.throttle.set by user:operator", "volume.throttle.cancel by user:operator");
    }

    @Test
    void invalidThrottlesAreTyped400sNamingTheField() {
        seeder.volume(VOLUME, 7);
        long now = System.currentTimeMillis();
        assertRefused(Map.of("iopsLimit", -5, "durationSeconds", 60), "iopsLimit", "range");
        assertRefused(Map.of("iopsLimit", 0, "durationSeconds", 60), "iopsLimit", "range");
        assertRefused(Map.of("durationSeconds", 60), "iopsLimit", "a-limit");
        assertRefused(Map.of("iopsLimit", 1L << 40, "durationSeconds", 60), "iopsLimit", "range");
        assertRefused(Map.of("bandwidthLimit", Long.MAX_VALUE, "durationSeconds", 60), "bandwidthLimit", "range");
        assertRefused(Map.of("iopsLimit", "lots", "durationSeconds", 60), "iopsLimit", "range");
        assertRefused(Map.of("iopsLimit", 10), "expiresAt", "one-expiry");
        assertRefused(Map.of("iopsLimit", 10, "durationSeconds", 0), "durationSeconds", "range");
        assertRefused(Map.of("iopsLimit", 10, "durationSeconds", 8 * 24 * 3_600), "durationSeconds", "range");
        assertRefused(Map.of("iopsLimit", 10, "expiresAt", now - 1_000), "expiresAt", "future");
        assertRefused(Map.of("iopsLimit", 10, "expiresAt", now + 30L * 24 * 3_600_000), "expiresAt", "range");
        assertRefused(
                Map.of("iopsLimit", 10, "expiresAt", now + 60_000, "durationSeconds", 60), "expiresAt", "one-expiry");
        assertRefused(
                Map.of("iopsLimit", 10, "durationSeconds", 60, "reason", "x".repeat(201)), "reason", "max-length");

        ApiClient.Response unknown =
                api.post("/api/volumes/999/throttle", Map.of("iopsLimit", 10, "durationSeconds", 60), operator);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("field").asText()).isEqualTo("volumeId");
        assertThat(unknown.json().path("rule").asText()).isEqualTo("known-volume");
        assertThat(((InMemoryBackend) backend).appliedThrottles())
                .as("nothing reached the services")
                .isEmpty();
    }

    @Test
    void aThrottleStoredWhileTheServicesAreAwayStandsAndSaysSo() {
        seeder.volume(VOLUME, 7);
        backend.stopServices();
        ApiClient.Response set = api.post(
                "/api/volumes/41/throttle",
                Map.of("bandwidthLimit", 1_048_576, "durationSeconds", 60),
                Credentials.token(operatorToken));
        assertThat(set.status()).as(set.toString()).isEqualTo(201);
        assertThat(set.json().path("applied").asBoolean())
                .as("the services load it when they start")
                .isFalse();
        assertThat(set.json().path("setBy").asText()).startsWith("token:");
    }

    private void assertRefused(Map<String, Object> body, String field, String rule) {
        ApiClient.Response r = api.post("/api/volumes/41/throttle", new LinkedHashMap<>(body), operator);
        assertThat(r.status()).as("%s -> %s", body, r).isEqualTo(400);
        assertThat(r.problemType()).isEqualTo("invalid-throttle");
        assertThat(r.json().path("field").asText()).as("%s", body).isEqualTo(field);
        assertThat(r.json().path("rule").asText()).as("%s", body).isEqualTo(rule);
    }
}
