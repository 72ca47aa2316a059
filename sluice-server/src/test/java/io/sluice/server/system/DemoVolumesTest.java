package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.CertificateIndex;
import io.sluice.server.TestSupervision;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.demo.DemoFleet;
import io.sluice.server.demo.DemoPlan;
import io.sluice.server.demo.DemoSeed;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import io.sluice.testkit.Await;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice demo --volumes 130} as the demo command lays it out: gold and bronze as always, and 128 volumes on
 * simulated gateways run by the demo's supervisor. Every one of them must come into the dashboard's volume list (the
 * web API, a page at a time, with the demo's login) without anyone approving a gateway, and the simulated tenants' SLAs
 * must manage their volumes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@Tag("system")
class DemoVolumesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VOLUMES = 130;

    @TempDir
    Path dir;

    @Test
    void everyVolumeOfABigDemoIsListedAndTheSimulatedTenantsAreManaged() throws Exception {
        DemoFleet fleet = DemoFleet.of(VOLUMES);
        DemoPlan plan = DemoPlan.prepare(dir, 0, 1_000, fleet);
        ServerSettings settings =
                plan.serverSettings("sluice-vols-" + ProcessHandle.current().pid(), ServerSettings.ALL_ROLES);
        List<RoleSpec> roles = new ArrayList<>(RoleCatalog.roles(settings));
        roles.addAll(plan.workload());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        String[] password = {null};
        try (Supervisor supervisor = new Supervisor(
                settings.runDir(),
                RoleCatalog.mailboxes(settings),
                roles,
                classpath,
                TestSupervision.HEARTBEAT_TIMEOUT_MILLIS,
                EpochClock.system(),
                log::add)) {
            supervisor.start(role -> {
                if (role.equals("db")) {
                    try {
                        password[0] =
                                DemoSeed.seed(RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), plan.slas());
                    } catch (Exception e) {
                        log.add("seed failed: " + e);
                    }
                }
            });
            assertThat(password[0]).as(String.join("\n", log)).isNotNull();
            Thread stepper = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        supervisor.doWork();
                        Thread.sleep(100);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            try {
                WebApi web = new WebApi("http://" + settings.webListen());
                Await.until(60_000, () -> web.signIn(DemoSeed.LOGIN, password[0]));

                Set<Integer> expected = new HashSet<>(fleet.volumeIds());
                expected.add(1);
                expected.add(DemoPlan.BRONZE_VOLUME_ID);
                assertThat(expected).hasSize(VOLUMES);
                Map<Integer, JsonNode> listed = Map.of();
                Set<String> slas = Set.of();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (System.nanoTime() < deadline) {
                    listed = web.volumes();
                    slas = slas(listed.values());
                    if (listed.keySet().containsAll(expected) && slas.size() == 4) {
                        break;
                    }
                    Thread.sleep(500);
                }
                Set<Integer> missing = new HashSet<>(expected);
                missing.removeAll(listed.keySet());
                assertThat(missing)
                        .as(
                                "volumes not listed (of %d listed); supervisor: %s%s",
                                listed.size(), log, logTails(settings.runDir().resolve("logs")))
                        .isEmpty();
                assertThat(listed).hasSizeGreaterThanOrEqualTo(VOLUMES);
                assertThat(slas)
                        .as("SLAs managing listed volumes")
                        .containsExactlyInAnyOrder("gold", "bronze", "silver", "archive");
                assertThat(listed.get(1).path("live").path("sla").asText()).isEqualTo("gold");
                assertThat(listed.get(DemoPlan.BRONZE_VOLUME_ID)
                                .path("live")
                                .path("sla")
                                .asText())
                        .isEqualTo("bronze");

                // Every gateway, real and simulated, reached the monitor over TLS with its own certificate.
                assertThat(Files.readString(settings.runDir().resolve("logs").resolve("monitor.log")))
                        .contains("(TLS, CA " + plan.pkiDir().resolve(CertificateAuthority.CERTIFICATE_FILE) + ")");
                assertThat(CertificateAuthority.load(plan.pkiDir(), EpochClock.system())
                                .index()
                                .entries())
                        .extracting(CertificateIndex.Entry::commonName)
                        .contains("gateway-1", "gateway-2", "gateway-" + DemoFleet.FIRST_GATEWAY_ID);
                assertThat(Files.getPosixFilePermissions(plan.gatewayKey("gold")))
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            } finally {
                stepper.interrupt();
            }
        } finally {
            RoleCatalog.removeMailboxes(settings);
        }
    }

    /** The end of each role's log, for whoever reads a failed run. */
    private static String logTails(Path logs) throws Exception {
        StringBuilder tails = new StringBuilder();
        try (var files = Files.list(logs)) {
            for (Path file : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                lines.subList(Math.max(0, lines.size() - 8), lines.size())
                        .forEach(line -> tails.append('\n')
                                .append(file.getFileName())
                                .append(": ")
                                .append(line));
            }
        }
        return tails.toString();
    }

    private static Set<String> slas(Iterable<JsonNode> volumes) {
        Set<String> slas = new HashSet<>();
        volumes.forEach(v -> {
            if (v.path("live").path("sla").isTextual()) {
                slas.add(v.path("live").path("sla").asText());
            }
        });
        return slas;
    }

    /** The dashboard's REST API, signed in with a session cookie. */
    private record WebApi(String base, HttpClient http) {
        WebApi(String base) {
            this(
                    base,
                    HttpClient.newBuilder().cookieHandler(new CookieManager()).build());
        }

        boolean signIn(String login, String password) {
            try {
                String body = JSON.createObjectNode()
                        .put("login", login)
                        .put("password", password)
                        .toString();
                return http.send(
                                        HttpRequest.newBuilder(URI.create(base + "/api/session"))
                                                .header("Content-Type", "application/json")
                                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (Exception e) {
                return false;
            }
        }

        /** Every page of {@code /api/volumes}, by volume id; what is listed so far if a page fails. */
        Map<Integer, JsonNode> volumes() {
            Map<Integer, JsonNode> volumes = new HashMap<>();
            try {
                String after = null;
                do {
                    HttpResponse<String> page = http.send(
                            HttpRequest.newBuilder(URI.create(
                                            base + "/api/volumes?limit=50" + (after == null ? "" : "&after=" + after)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (page.statusCode() != 200) {
                        return volumes;
                    }
                    JsonNode answer = JSON.readTree(page.body());
                    answer.path("items")
                            .forEach(v -> volumes.put(v.path("volumeId").asInt(), v));
                    after = answer.path("next").isTextual()
                            ? answer.path("next").asText()
                            : null;
                } while (after != null);
            } catch (Exception e) {
                return volumes;
            }
            return volumes;
        }
    }
}
