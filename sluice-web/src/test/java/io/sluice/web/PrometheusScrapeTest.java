package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.WebTestBase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A real Prometheus server (Debian's) scrapes /metrics with an API token kept in a file, finds the series, loads the
 * shipped alert rules and evaluates every query of the shipped Grafana dashboard.
 */
@EnabledIf("prometheusInstalled")
@Tag("system")
class PrometheusScrapeTest extends WebTestBase {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Path ALERT_RULES =
            Path.of("../conf/prometheus/sluice-alerts.yml").toAbsolutePath().normalize();
    private static final Path DASHBOARD =
            Path.of("../conf/grafana/sluice-dashboard.json").toAbsolutePath().normalize();
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    static boolean prometheusInstalled() {
        return Files.isExecutable(PROMETHEUS);
    }

    @Test
    void prometheusScrapesVolumeProcessMailboxAndGatewaySeries() throws Exception {
        seeder.gateway(3, "APPROVED");
        seeder.volume(11, 3);
        ApiClient.Response sla = api.post(
                "/api/slas",
                Map.of(
                        "name",
                        "metrics-gold",
                        "scope",
                        Map.of("kind", "VOLUME", "id", "11"),
                        "iopsLimit",
                        3000,
                        "reservedIops",
                        500),
                Credentials.token(operatorToken));
        assertThat(sla.status()).isEqualTo(201);
        awaitExposition("sluice_volume_iops{");
        String text = api.get("/metrics", Credentials.token(viewerToken)).body();
        assertThat(text)
                .contains("sluice_volume_throttle_iops{")
                .contains("sluice_process_up{process=\"db\"} 1.0")
                .contains("sluice_mailbox_slots{")
                .contains("sluice_gateways{state=\"APPROVED\"} 1.0")
                .contains("sluice_sla_compliance{")
                .contains("sluice_monitor{counter=\"reportsDropped\"} " + (double) InMemoryBackend.REPORTS_DROPPED)
                .contains("sluice_monitor{counter=\"reportsLost\"} 0.0")
                .contains("sluice_services_volumes{state=\"limit\"} 100000.0")
                .contains("sluice_services_volumes{state=\"refusedOverLimit\"} 0.0")
                .contains("sluice_db_degraded 0.0")
                .contains("sluice_capacity_time_until_full_seconds{backend=\"b1\"} 7076160.0")
                .contains("sluice_process_start_time_seconds{process=\"web\"}")
                .contains("sluice_process_start_time_seconds{process=\"services\"}");
        assertThat(api.get("/metrics", Credentials.NONE).status()).isEqualTo(401);

        Path work = Files.createTempDirectory(dir, "prometheus");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // The configuration docs/operations.md gives: the token in a private file, the shipped alert rules.
        Path tokenFile = work.resolve("sluice.token");
        Files.writeString(tokenFile, viewerToken);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        Path config = work.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: sluice
                    metrics_path: /metrics
                    authorization:
                      type: Bearer
                      credentials_file: %s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(ALERT_RULES, tokenFile, server.port()));
        Process prometheus = new ProcessBuilder(
                        PROMETHEUS.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + work.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("prometheus.log").toFile())
                .start();
        try {
            JsonNode iops = awaitSeries(port, "sluice_volume_iops{volume=\"11\"}");
            assertThat(iops.path(0).path("metric").path("sla").asText()).isEqualTo("metrics-gold");
            assertThat(iops.path(0).path("value").path(1).asDouble()).isEqualTo(2400.0);
            assertThat(awaitSeries(port, "sluice_volume_throttle_iops{volume=\"11\"}")
                            .path(0)
                            .path("value")
                            .path(1)
                            .asDouble())
                    .isEqualTo(3000.0);
            assertThat(awaitSeries(port, "sluice_process_up{process=\"services\"}")
                            .path(0)
                            .path("value")
                            .path(1)
                            .asText())
                    .isEqualTo("1");
            assertThat(awaitSeries(port, "sluice_mailbox_slots{state=\"free\"}").size())
                    .isEqualTo(3);
            assertThat(awaitSeries(port, "sluice_gateways{state=\"APPROVED\"}")
                            .path(0)
                            .path("value")
                            .path(1)
                            .asText())
                    .isEqualTo("1");
            assertThat(awaitSeries(port, "sluice_sla_compliance{sla=\"metrics-gold\",state=\"MET\"}")
                            .size())
                    .isEqualTo(1);
            JsonNode rules = awaitRulesEvaluated(port);
            assertThat(rules.findValuesAsText("name"))
                    .as("Prometheus loaded the shipped alert rules")
                    .contains("SluiceSlaViolated", "SluiceRoleRestarted", "SluiceDatabaseDegraded");
            assertThat(rules.findValuesAsText("health")).as(rules.toString()).containsOnly("ok");
            assertEveryDashboardQueryEvaluates(port);
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void awaitExposition(String needle) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!api.get("/metrics", Credentials.token(viewerToken)).body().contains(needle)) {
            assertThat(System.nanoTime())
                    .as("waiting for " + needle + " on /metrics")
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Prometheus parses and evaluates every query of the shipped Grafana dashboard, its filters set to All. */
    private void assertEveryDashboardQueryEvaluates(int port) throws IOException, InterruptedException {
        JsonNode dashboard = json.readTree(DASHBOARD.toFile());
        int queries = 0;
        for (JsonNode expr : dashboard.path("panels").findValues("expr")) {
            String query = expr.asText().replace("$volume", ".*").replace("$sla", ".*");
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                                    + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(query + " -> " + r.body()).isEqualTo(200);
            assertThat(json.readTree(r.body()).path("status").asText())
                    .as(query)
                    .isEqualTo("success");
            queries++;
        }
        assertThat(queries).isGreaterThan(20);
    }

    /** Bounded wait until Prometheus has loaded rules and evaluated every one of them at least once. */
    private JsonNode awaitRulesEvaluated(int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode rules;
        do {
            assertThat(System.nanoTime())
                    .as("waiting for Prometheus to evaluate the alert rules")
                    .isLessThan(deadline);
            Thread.sleep(500);
            rules = json.readTree(http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/rules"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
        } while (rules.findValuesAsText("health").isEmpty()
                || rules.findValuesAsText("health").contains("unknown"));
        return rules;
    }

    /** Bounded wait until Prometheus's query API returns at least one sample for {@code query}. */
    private JsonNode awaitSeries(int port, String query) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                                        + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.body();
                JsonNode result = json.readTree(r.body()).path("data").path("result");
                if (r.statusCode() == 200 && result.size() > 0) {
                    return result;
                }
            } catch (IOException e) {
                last = "not answering yet: " + e;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Prometheus never returned " + query + "; last answer: " + last);
    }
}
