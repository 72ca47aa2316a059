package io.sluice.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.sim.SimContext;
import io.sluice.sim.Simulator;
import io.sluice.sim.VolumeIds;
import io.sluice.testkit.Await;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the curl examples of docs/api.md as they are written there, in order, against the web server on loopback in
 * front of the real database manager, SLA services and monitor (with one simulated gateway enrolled), and checks what
 * the server then holds.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@Tag("system")
class ApiExamplesTest extends RealWebTestBase {
    private static final Path DOC =
            Path.of("..", "docs", "api.md").toAbsolutePath().normalize();
    private static final Pattern RECIPE =
            Pattern.compile("<!-- recipe: ([a-z-]+) -->\\n```sh\\n(.*?)```", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDocumentedExamplesWorkAsWritten() throws Exception {
        Map<String, String> recipes = new HashMap<>();
        Matcher m = RECIPE.matcher(Files.readString(DOC));
        while (m.find()) {
            recipes.put(m.group(1), m.group(2));
        }
        assertThat(recipes)
                .containsOnlyKeys(
                        "issue-token",
                        "create-sla",
                        "read-compliance",
                        "list-gateways",
                        "poll-gateway",
                        "set-throttle",
                        "cancel-throttle");
        Map<String, String> env = new HashMap<>(Map.of(
                "SLUICE_URL",
                "http://127.0.0.1:" + server.port(),
                "SLUICE_LOGIN",
                "admin",
                "SLUICE_PASSWORD",
                PASSWORD));

        String token = sh(recipes.get("issue-token"), env).strip();
        assertThat(api.get("/api/tokens", admin).json().findValuesAsText("name"))
                .contains("automation");
        ApiClient.Response asToken = api.post(
                "/api/slas/validate",
                Map.of("name", "probe", "scope", Map.of("kind", "VOLUME", "id", "7")),
                Credentials.token(token));
        assertThat(asToken.status())
                .as("the issued token is an operator's: " + asToken)
                .isEqualTo(200);
        env.put("SLUICE_TOKEN", token);

        JsonNode created = JSON.readTree(sh(recipes.get("create-sla"), env));
        assertThat(created.path("version").asLong()).isEqualTo(1);
        assertThat(created.path("apply").path("applied").asBoolean())
                .as(created.toString())
                .isTrue();
        JsonNode stored = api.get("/api/slas/gold", viewer).json();
        assertThat(stored.path("spec").path("iopsLimit").asLong()).isEqualTo(5000);
        assertThat(stored.path("spec").path("reservedIops").asLong()).isEqualTo(1000);

        String compliance = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (compliance.isBlank() && System.nanoTime() < deadline) {
            compliance = sh(recipes.get("read-compliance"), env);
            if (compliance.isBlank()) {
                Thread.sleep(500);
            }
        }
        JsonNode gold = JSON.readTree(compliance);
        assertThat(gold.path("sla").asText()).as(compliance).isEqualTo("gold");
        assertThat(gold.path("state").asText()).isIn("MET", "AT_RISK", "VIOLATED");
        assertThat(gold.path("dimensions").has("LIMIT")).isTrue();

        String enrollment = api.post("/api/gateways/enrollment-tokens", Map.of("note", "api examples"), admin)
                .json()
                .path("token")
                .asText();
        RealBackend real = (RealBackend) backend;
        try (Simulator gateway = Simulator.start(SimContext.builder(real.monitorAddress(), RealBackend.SECRET)
                .gateways(1)
                .volumesPerGateway(1)
                .firstGatewayId(777)
                .enrollmentToken(enrollment)
                .seed(777)
                .volumeIds(VolumeIds.DISTINCT)
                .build())) {
            assertThat(gateway.awaitCondition(s -> s.total().inSession() == 1, Duration.ofSeconds(60)))
                    .as("the simulated gateway enrolled: " + gateway.snapshot())
                    .isTrue();
            String listed = "";
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!listed.contains("\"inSession\":true") && System.nanoTime() < deadline) {
                listed = sh(recipes.get("list-gateways"), env);
                Thread.sleep(200);
            }
            JsonNode row = JSON.readTree(listed.lines()
                    .filter(l -> l.contains("\"gatewayId\":777"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("gateway 777 not listed")));
            assertThat(row.path("state").asText()).isEqualTo("APPROVED");
            assertThat(row.path("inSession").asBoolean()).as(listed).isTrue();
            operatorActions(recipes, env);
        }
    }

    /**
     * The operator's recipes against the enrolled gateway 777 and its volume: a poll now, a manual throttle that the
     * live view shows as manual, and its cancel.
     */
    private void operatorActions(Map<String, String> recipes, Map<String, String> env) throws Exception {
        Await.until(
                "gateway 777 reported its volume",
                60_000,
                () -> gatewayVolume() > 0,
                () -> api.get("/api/health", viewer).body());
        int volumeId = gatewayVolume();
        Await.until(
                "volume " + volumeId + " registered",
                60_000,
                () -> api.get("/api/volumes", viewer).json().path("items").findValues("volumeId").stream()
                        .anyMatch(v -> v.asInt() == volumeId));
        env.put("GATEWAY_ID", "777");
        env.put("VOLUME_ID", String.valueOf(volumeId));

        assertThat(JSON.readTree(sh(recipes.get("poll-gateway"), env))
                        .path("requested")
                        .asBoolean())
                .isTrue();
        JsonNode throttle = JSON.readTree(sh(recipes.get("set-throttle"), env));
        assertThat(throttle.path("iopsLimit").asLong()).isEqualTo(300);
        assertThat(throttle.path("setBy").asText()).isEqualTo("token:automation");
        assertThat(throttle.path("applied").asBoolean()).as(throttle.toString()).isTrue();
        Await.until(
                "the live view shows the manual throttle",
                60_000,
                () -> api.get("/api/live/volumes", viewer).json().path("items").findParents("volumeId").stream()
                        .anyMatch(v -> v.path("volumeId").asInt() == volumeId
                                && v.path("manual").path("iopsLimit").asLong() == 300));
        JsonNode ended = JSON.readTree(sh(recipes.get("cancel-throttle"), env));
        assertThat(ended.path("endedBy").asText()).isEqualTo("token:automation");
    }

    /** The first volume the services heard of from gateway 777; 0 before its first report. */
    private int gatewayVolume() {
        for (JsonNode g : api.get("/api/gateways", viewer).json().path("items")) {
            if (g.path("gatewayId").asLong() == 777) {
                return g.path("live").path("volumes").path(0).asInt(0);
            }
        }
        return 0;
    }

    /** Runs a recipe with bash (errexit, pipefail) and returns its standard output; a failure fails the test. */
    private String sh(String script, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "recipe", ".out");
        Path err = Files.createTempFile(dir, "recipe", ".err");
        ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("recipe did not finish within 60 s:\n" + script);
        }
        assertThat(process.exitValue())
                .as(script + "\n" + Files.readString(err))
                .isZero();
        return Files.readString(out);
    }
}
