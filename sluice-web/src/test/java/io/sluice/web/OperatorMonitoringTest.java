package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.WebTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alert rules shipped in {@code conf/} are well formed, pass Debian's
 * {@code promtool} (rules and their unit tests on recorded series), and use only series and labels that a real
 * {@code /metrics} scrape serves, so neither can drift from the exporter unnoticed.
 */
@Tag("system")
public class OperatorMonitoringTest extends WebTestBase {
    /** The gateway and volume of the scraped server; a subclass with real roles makes the gateway report. */
    protected static final long GATEWAY_ID = 3;

    protected static final int VOLUME_ID = 11;
    private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
    private static final Path DASHBOARD = CONF.resolve("grafana/sluice-dashboard.json");
    private static final Path RULES = CONF.resolve("prometheus/sluice-alerts.yml");
    private static final Path RULE_TESTS = CONF.resolve("prometheus/sluice-alerts.test.yml");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    /** A series name in PromQL, with its matchers if it has any. */
    private static final Pattern SELECTOR = Pattern.compile("\\b(sluice_[a-zA-Z0-9_]+)(\\{([^}]*)})?");

    private static final Pattern MATCHER_LABEL =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? ");
    private static final Pattern SAMPLE_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private String scrape;
    /** Every series name on the scrape, with the label names its samples carry. */
    private final Map<String, Set<String>> exported = new HashMap<>();

    @BeforeAll
    void seedAVolumeUnderAnSla() {
        seeder.gateway(GATEWAY_ID, "APPROVED");
        seeder.volume(VOLUME_ID, GATEWAY_ID);
        ApiClient.Response sla = api.post(
                "/api/slas",
                Map.of(
                        "name",
                        "dashboard-gold",
                        "scope",
                        Map.of("kind", "VOLUME", "id", Integer.toString(VOLUME_ID)),
                        "iopsLimit",
                        3000,
                        "reservedIops",
                        500,
                        "latency",
                        Map.of("readMicros", 5000)),
                Credentials.token(operatorToken));
        assertThat(sla.status()).as(sla.toString()).isEqualTo(201);
    }

    /**
     * A scrape once the volume, its SLA and its backend's forecast (an interval after the first report) are on it,
     * taken at first use: after every subclass's set-up.
     */
    protected String scrape() throws InterruptedException {
        if (scrape != null) {
            return scrape;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String text;
        do {
            assertThat(System.nanoTime())
                    .as("waiting for the volume, its SLA and its backend on /metrics")
                    .isLessThan(deadline);
            Thread.sleep(200);
            text = api.get("/metrics", Credentials.token(viewerToken)).body();
        } while (!text.contains("sluice_volume_iops{")
                || !text.contains("sluice_sla_compliance{")
                || !text.contains("sluice_capacity_time_until_full_seconds{"));
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.find()) {
                Set<String> labels = exported.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                Matcher l = SAMPLE_LABEL.matcher(m.group(3) == null ? "" : m.group(3));
                while (l.find()) {
                    labels.add(l.group(1));
                }
            }
        }
        scrape = text;
        return scrape;
    }

    @Test
    void dashboardImportsAnywhereAndAnswersTheOperatorsQuestions() throws IOException, InterruptedException {
        JsonNode dashboard = json.readTree(DASHBOARD.toFile());
        JsonNode input = dashboard.path("__inputs").path(0);
        assertThat(input.path("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(input.path("type").asText()).isEqualTo("datasource");
        assertThat(input.path("pluginId").asText()).isEqualTo("prometheus");
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("id").isNull())
                .as("an exported dashboard carries no database id")
                .isTrue();

        Set<Integer> ids = new HashSet<>();
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt()))
                    .as("panel id of " + title + " is unique")
                    .isTrue();
            JsonNode pos = panel.path("gridPos");
            assertThat(pos.path("x").asInt() + pos.path("w").asInt())
                    .as(title + " fits the 24-column grid")
                    .isBetween(1, 24);
            assertThat(pos.path("h").asInt()).as(title + " has a height").isPositive();
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText())
                    .as(title + " datasource")
                    .isEqualTo("${DS_PROMETHEUS}");
            assertThat(panel.path("targets").size()).as(title + " has queries").isPositive();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText())
                        .as(title + " query datasource")
                        .isEqualTo("${DS_PROMETHEUS}");
                assertThat(target.path("refId").asText()).as(title + " refId").isNotBlank();
                String expr = target.path("expr").asText();
                assertThat(expr).as(title + " query").isNotBlank();
                exprs.add(expr);
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                assertThat(variable.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
                exprs.add(variable.path("query")
                        .path("query")
                        .asText(variable.path("query").asText()));
            }
        }
        assertThat(seriesUsed(exprs, "the dashboard"))
                .as("the dashboard shows IOPS, latency against objectives, "
                        + "throttles, compliance, gateways, role health and restarts, mailbox backlog")
                .contains(
                        "sluice_volume_iops",
                        "sluice_volume_latency_p99_seconds",
                        "sluice_volume_latency_p50_seconds",
                        "sluice_volume_latency_target_seconds",
                        "sluice_volume_throttle_iops",
                        "sluice_volume_compliance",
                        "sluice_sla_compliance",
                        "sluice_gateways",
                        "sluice_monitor",
                        "sluice_process_up",
                        "sluice_process_start_time_seconds",
                        "sluice_mailbox_slots",
                        "sluice_db_degraded",
                        "sluice_capacity_time_until_full_seconds");
    }

    @Test
    void everyAlertRuleIsCompleteAndUsesOnlyExportedSeries() throws IOException, InterruptedException {
        List<String> exprs = new ArrayList<>();
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : yaml.readTree(RULES.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                assertThat(alerts.add(name))
                        .as("alert names are unique: " + name)
                        .isTrue();
                assertThat(rule.path("labels").path("severity").asText())
                        .as(name + " severity")
                        .isIn("warning", "critical");
                assertThat(rule.path("annotations").path("summary").asText())
                        .as(name + " summary")
                        .isNotBlank();
                assertThat(rule.path("annotations").path("description").asText())
                        .as(name + " description")
                        .isNotBlank();
                assertThat(rule.path("for").asText()).as(name + " for").matches("\\d+[smh]");
                exprs.add(rule.path("expr").asText());
            }
        }
        assertThat(seriesUsed(exprs, "the alert rules"))
                .contains(
                        "sluice_sla_compliance",
                        "sluice_monitor",
                        "sluice_gateways",
                        "sluice_process_start_time_seconds",
                        "sluice_capacity_time_until_full_seconds",
                        "sluice_db_degraded",
                        "sluice_services_volumes");
        assertThat(alerts)
                .contains(
                        "SluiceSlaAtRisk",
                        "SluiceSlaViolated",
                        "SluiceGatewayUnreachable",
                        "SluiceRoleRestarted",
                        "SluiceCapacityForecastLow",
                        "SluiceDatabaseDegraded");

        // The unit tests see every alert fire and every alert stay quiet.
        Set<String> fired = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : yaml.readTree(RULE_TESTS.toFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? quiet : fired)
                        .add(check.path("alertname").asText());
            }
        }
        assertThat(fired).as("alerts the unit tests see firing").isEqualTo(alerts);
        assertThat(quiet).as("alerts the unit tests see quiet").isEqualTo(alerts);
    }

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool not installed (Debian package prometheus)");
        Result check = promtool(null, "check", "rules", RULES.toString());
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
        Result unit = promtool(null, "test", "rules", RULE_TESTS.toString());
        assertThat(unit.exit()).as(unit.output()).isZero();
        assertThat(unit.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void promtoolFindsNothingToLintOnARealScrape() throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool not installed (Debian package prometheus)");
        Result lint = promtool(scrape(), "check", "metrics");
        assertThat(lint.exit()).as(lint.output()).isZero();
        assertThat(lint.output()).isBlank();
    }

    /**
     * The sluice series that {@code exprs} select, after checking each one, and each label its matchers name, against
     * the scrape.
     */
    private Set<String> seriesUsed(List<String> exprs, String where) throws InterruptedException {
        String scraped = scrape();
        Set<String> used = new TreeSet<>();
        for (String expr : exprs) {
            Matcher m = SELECTOR.matcher(expr);
            boolean any = false;
            while (m.find()) {
                any = true;
                String name = m.group(1);
                assertThat(exported)
                        .as(where + ": " + name + " in " + expr + " is not on /metrics:\n" + scraped)
                        .containsKey(name);
                used.add(name);
                Matcher labels = MATCHER_LABEL.matcher(m.group(3) == null ? "" : m.group(3));
                while (labels.find()) {
                    assertThat(exported.get(name))
                            .as(where + ": label " + labels.group(1) + " of " + name + " in " + expr)
                            .contains(labels.group(1));
                    if (name.equals("sluice_monitor") && labels.group(1).equals("counter")) {
                        // The monitor answers every counter at once, so each one named must be on the scrape.
                        for (String counter : labels.group(3).split("\\|")) {
                            assertThat(scraped)
                                    .as(where + ": monitor counter " + counter + " in " + expr)
                                    .contains("sluice_monitor{counter=\"" + counter + "\"}");
                        }
                    }
                }
            }
            assertThat(any || expr.startsWith("up{"))
                    .as(where + ": " + expr + " selects a Sluice series")
                    .isTrue();
        }
        return used;
    }

    private record Result(int exit, String output) {}

    private Result promtool(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "promtool", ".out");
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}
