package io.sluice.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.web.harness.ApiClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The OpenAPI document proven by use: openapi-generator (fetched by the Maven build, see the module's pom) makes a
 * Python client from the document the running server serves, and a program written against that client
 * (src/test/python) creates an SLA and reads its compliance and the gateways with an API token, as a user's automation
 * would, against the web server on loopback in front of the real database manager and SLA services. The 6.x
 * {@code python-prior} generator is used because its client needs only urllib3 and python-dateutil, which Debian
 * packages (docs/api.md says why).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("system")
class GeneratedPythonClientTest extends RealWebTestBase {
    /** Debian's interpreter, which sees the python3-urllib3 and python3-dateutil packages (not a pyenv one). */
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private static final Path GENERATOR = Path.of("target", "openapi-generator", "openapi-generator-cli.jar");
    private static final Path PROGRAM = Path.of("src", "test", "python", "sla_through_generated_client.py");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aClientGeneratedFromTheServedDocumentCreatesAnSlaAndReadsItsCompliance() throws Exception {
        assumeTrue(
                Files.isExecutable(PYTHON),
                "Debian's python3 is not installed (apt-get install python3 python3-urllib3 python3-dateutil)");
        assertThat(GENERATOR)
                .as("the Maven build copies the generator (generate-test-resources)")
                .isRegularFile();
        String baseUrl = "http://127.0.0.1:" + server.port();
        Path work = Files.createDirectories(dir.resolve("generated-client"));

        Path client = work.resolve("client");
        Run generated = run(
                work.resolve("generator.log"),
                300,
                List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        // The generator's template engine reflects into java.util, which JDK 17 and later close.
                        "--add-opens",
                        "java.base/java.util=ALL-UNNAMED",
                        "-jar",
                        GENERATOR.toAbsolutePath().toString(),
                        "generate",
                        "-g",
                        "python-prior",
                        "-i",
                        baseUrl + "/api/openapi.json",
                        "-o",
                        client.toString(),
                        "--package-name",
                        "sluice_client",
                        "--global-property",
                        "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false"),
                List.of());
        assertThat(generated.exit).as(generated.output).isZero();
        assertThat(generated.output)
                .as("the generator found no fault in the document")
                .doesNotContain("[main] ERROR");
        assertThat(client.resolve("sluice_client").resolve("model").resolve("sla_compliance.py"))
                .isRegularFile();

        Run program = run(
                work.resolve("program.log"),
                180,
                List.of(
                        PYTHON.toString(),
                        PROGRAM.toAbsolutePath().toString(),
                        client.toString(),
                        baseUrl,
                        "generated-gold",
                        "7"),
                List.of("SLUICE_TOKEN=" + operatorToken));
        assertThat(program.exit).as(program.output).isZero();
        JsonNode seen = JSON.readTree(
                program.output.lines().reduce((first, last) -> last).orElseThrow());

        // What the server now holds, read with the Java harness rather than the generated client.
        ApiClient.Response stored = api.get("/api/slas/generated-gold", viewer);
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        assertThat(stored.json().path("spec").path("iopsLimit").asLong()).isEqualTo(4000);
        assertThat(stored.json().path("spec").path("reservedIops").asLong()).isEqualTo(500);
        assertThat(stored.json().path("spec").path("scope").path("id").asText()).isEqualTo("7");
        assertThat(stored.json().path("updatedBy").asText())
                .as("created with the operator's token")
                .contains("automation-operator");

        assertThat(seen.path("createdVersion").asLong()).isEqualTo(1);
        assertThat(seen.path("applied").asBoolean()).as(seen.toString()).isTrue();
        assertThat(seen.path("readIopsLimit").asLong()).isEqualTo(4000);
        assertThat(seen.path("readScope").path("kind").asText()).isEqualTo("VOLUME");
        assertThat(seen.path("listed").toString()).contains("\"generated-gold\"");
        JsonNode compliance = seen.path("compliance");
        assertThat(compliance.isObject())
                .as("the SLA services judged the new SLA within 60 s: " + seen)
                .isTrue();
        assertThat(compliance.path("sla").asText()).isEqualTo("generated-gold");
        assertThat(compliance.path("state").asText()).isIn("MET", "AT_RISK", "VIOLATED");
        assertThat(compliance.path("scope").path("id").asText()).isEqualTo("7");
        assertThat(compliance.path("metPercent1h").asDouble()).isBetween(0.0, 100.0);
        List<String> dimensions = new ArrayList<>();
        compliance.path("dimensions").fieldNames().forEachRemaining(dimensions::add);
        assertThat(dimensions).containsExactlyInAnyOrder("LIMIT", "RESERVATION", "LATENCY");
        JsonNode serverCompliance = api.get("/api/compliance", viewer).json().path("items");
        assertThat(serverCompliance.findValuesAsText("sla")).contains("generated-gold");
        assertThat(seen.path("gatewayCount").asInt())
                .isEqualTo(api.get("/api/gateways", viewer).json().path("items").size());
        assertThat(seen.path("liveKnown").isBoolean()).isTrue();
    }

    private record Run(int exit, String output) {}

    /** Runs a command to its end (killed after {@code timeoutSeconds}), its output in {@code log}. */
    private static Run run(Path log, long timeoutSeconds, List<String> command, List<String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String assignment : environment) {
            int eq = assignment.indexOf('=');
            builder.environment().put(assignment.substring(0, eq), assignment.substring(eq + 1));
        }
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(
                    command.get(0) + " did not finish within " + timeoutSeconds + " s: " + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readString(log));
    }
}
