package io.sluice.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Await;
import io.sluice.web.harness.ApiClient;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An operator's manual throttle through the real roles: the database manager stores and audits it, the SLA services'
 * analyzer sends exactly it for the volume (the IOPS limit the services last sent becomes the throttle's) while the
 * volume's gateway reports a load far above it, a restarted services process loads it again from the database, and once
 * it is cancelled the analyzer takes the volume back. The real monitor refuses to poll a gateway it has no session
 * with, by type.
 */
@Tag("system")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RealOperatorActionsTest extends RealWebTestBase {
    private static final long GATEWAY_ID = 61;
    private static final int VOLUME_ID = 61;
    private static final long MANUAL_IOPS = 300;

    private SteadyGatewayReports reports;

    @BeforeAll
    void startReporting() {
        reports = new SteadyGatewayReports(backend, GATEWAY_ID, VOLUME_ID, RealBackend.INTERVAL_MILLIS);
    }

    @AfterAll
    void stopReporting() throws InterruptedException {
        if (reports != null) {
            reports.close();
        }
    }

    @Test
    void aManualThrottleIsSentAsItIsSurvivesAServicesRestartAndEndsWhenCancelled() throws Exception {
        Await.until(
                "volume " + VOLUME_ID + " registered with the database manager and live",
                90_000,
                () -> live() != null
                        && api.get("/api/volumes", viewer).json().path("items").findValues("volumeId").stream()
                                .anyMatch(v -> v.asInt() == VOLUME_ID));
        ApiClient.Response set = api.post(
                "/api/volumes/" + VOLUME_ID + "/throttle",
                Map.of("iopsLimit", MANUAL_IOPS, "durationSeconds", 3_600, "reason", "end to end"),
                operator);
        assertThat(set.status()).as(set.toString()).isEqualTo(201);
        assertThat(set.json().path("applied").asBoolean()).isTrue();

        Await.until(
                "the analyzer sends the manual throttle",
                60_000,
                this::heldToTheThrottle,
                () -> String.valueOf(live()));
        assertThat(live().path("manual").path("setBy").asText()).isEqualTo("user:operator");
        assertThat(live().path("iops").asDouble())
                .as("the gateway's load, far above the throttle")
                .isGreaterThan(MANUAL_IOPS * 5);

        ((RealBackend) backend).restartServices();
        Await.until(
                "the restarted services load the throttle and send it",
                90_000,
                this::heldToTheThrottle,
                () -> String.valueOf(live()));

        ApiClient.Response cancelled = api.delete("/api/volumes/" + VOLUME_ID + "/throttle", operator, Map.of());
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        Await.until(
                "the analyzer takes the volume back",
                60_000,
                () -> {
                    JsonNode v = live();
                    return v != null
                            && v.path("manual").isNull()
                            && v.path("iopsLimit").asLong() != MANUAL_IOPS;
                },
                () -> String.valueOf(live()));

        JsonNode audit = api.get("/api/audit", admin).json().path("items");
        assertThat(audit)
                .extracting(
                        a -> a.path("action").asText() + " " + a.path("target").asText())
                .contains("volume.throttle.set volume:" + VOLUME_ID, "volume.throttle.cancel volume:" + VOLUME_ID);

        ApiClient.Response poll = api.post("/api/gateways/" + GATEWAY_ID + "/poll", null, operator);
        assertThat(poll.status())
                .as("its reports come from this test, not a session at the monitor")
                .isEqualTo(404);
        assertThat(poll.problemType()).isEqualTo("gateway-not-in-session");
    }

    private boolean heldToTheThrottle() {
        JsonNode v = live();
        return v != null
                && !v.path("manual").isNull()
                && v.path("manual").isObject()
                && v.path("iopsLimit").asLong() == MANUAL_IOPS;
    }

    /** The volume in the services' live view, or null while they do not show it. */
    private JsonNode live() {
        ApiClient.Response r = api.get("/api/live/volumes", viewer);
        if (r.status() != 200) {
            return null;
        }
        for (JsonNode v : r.json().path("items")) {
            if (v.path("volumeId").asInt() == VOLUME_ID) {
                return v;
            }
        }
        return null;
    }
}
