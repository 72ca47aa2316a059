package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.server.config.ServerSettings;
import io.sluice.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLA server's fault tolerance under real I/O: fio (nbd engine, crc32c verify) writes through a gateway while roles
 * are killed with SIGKILL, the gateway is killed, the gateway-monitor link is cut and restored, and mailbox files are
 * corrupted before a start.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("system")
class FaultToleranceSystemTest {
    /** The server roles under test, in the order they are killed. */
    static final List<String> ROLES = ServerSettings.ALL_ROLES;

    private static final long POLL_MILLIS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyRoleKilledUnderFioLoadIsRestartedAtOnceAndIoNeverStops() throws Exception {
        try (ServerHarness server = new ServerHarness(dir, ROLES, POLL_MILLIS)) {
            Await.until(90_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            long versionInForce = server.qosVersion();
            // Long enough to outlast every kill and restart on a busy machine.
            Process fio = fio(server, 90);
            Await.until(30_000, () -> server.gatewayOps() > 1_000);
            List<String> report = new ArrayList<>();
            Map<String, Long> killedAtMillis = new LinkedHashMap<>();
            long from = System.currentTimeMillis();
            for (String role : ROLES) {
                long ops = server.gatewayOps();
                String edit = "edit-before-" + role;
                try (JsonMailbox db =
                        new JsonMailbox(server.mailbox(ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON)) {
                    assertThat(db.call(slaPut(edit), 30).ok())
                            .as("SLA edit acknowledged before %s is killed", role)
                            .isTrue();
                }
                long killedAt = System.currentTimeMillis() - from;
                killedAtMillis.put(role, killedAt);
                int restartsBefore = server.role(role).restarts();
                long pid = server.kill(role);
                long restartMillis = server.awaitRestarted(role, pid, 10_000);
                Await.until(10_000, () -> server.gatewayOps() > ops + 500);
                assertThat(fio.isAlive())
                        .as("fio still writing after %s was killed", role)
                        .isTrue();
                assertThat(server.qosVersion())
                        .as("the gateway keeps its parameters while %s is down", role)
                        .isGreaterThanOrEqualTo(versionInForce);
                server.awaitServing(role, 90_000);
                report.add(role + " killed at " + killedAt / 1_000 + " s, restarted in " + restartMillis + " ms");
                // Restarted once, with no back-off (a role that served for a while is restarted at the supervisor's
                // next step: RoleProcessTest, on the supervisor's clock); how many ms that takes is the machine's.
                assertThat(server.role(role).restarts())
                        .as("%s restarted once after kill -9; the supervisor's log: %s", role, server.log)
                        .isEqualTo(restartsBefore + 1);
            }
            long firstKillAt = from + killedAtMillis.values().iterator().next();
            long lastBackAt = System.currentTimeMillis();
            try (JsonMailbox db = new JsonMailbox(server.mailbox(ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON)) {
                for (String role : ROLES) {
                    JsonMailbox.Result sla =
                            db.call(JsonMailbox.request("sla.get").put("name", "edit-before-" + role), 30);
                    assertThat(sla.ok())
                            .as("the SLA edit acknowledged before %s was killed is stored: %s", role, sla)
                            .isTrue();
                }
                // The report covering the last restart may still be on its way to the database.
                Await.until(30_000, () -> storedUntil(db, from - 5_000) >= lastBackAt);
                List<long[]> windows = sampleWindows(db, from - 5_000, System.currentTimeMillis());
                List<Long> starts = windows.stream().map(w -> w[0]).toList();
                assertThat(starts).as("no sample stored twice").doesNotHaveDuplicates();
                // However fast the machine, the stored windows span the first kill to the last restart;
                // the loop below checks that they tile it.
                assertThat(windows.getFirst()[0])
                        .as("a stored window covers the first kill")
                        .isLessThanOrEqualTo(firstKillAt);
                assertThat(end(windows))
                        .as("a stored window covers the last restart")
                        .isGreaterThanOrEqualTo(lastBackAt);
                // A gateway's report covers the time since its previous one, so stored windows should
                // tile the time: the first report after the monitor comes back is longer (nothing the
                // gateway served is lost). Only a report still on the wire when the monitor is killed
                // can be lost; a hole is blamed on the kill nearest to it.
                List<String> holes = new ArrayList<>();
                List<String> longWindows = new ArrayList<>();
                for (int i = 0; i < windows.size(); i++) {
                    long[] w = windows.get(i);
                    if (w[1] > POLL_MILLIS * 3 / 2) {
                        longWindows.add(w[1] + " ms at " + (w[0] - from) / 1_000 + " s");
                    }
                    if (i > 0) {
                        long holeAt = windows.get(i - 1)[0] + windows.get(i - 1)[1] - from;
                        long hole = w[0] - from - holeAt;
                        if (hole > 0) {
                            String nearest = killedAtMillis.entrySet().stream()
                                    .min(Comparator.comparingLong(kill -> Math.abs(kill.getValue() - holeAt)))
                                    .orElseThrow()
                                    .getKey();
                            holes.add(hole + " ms at " + holeAt / 1_000 + " s near the " + nearest + " kill");
                            String forwarding = forwarding(server) + "; the supervisor's log: " + server.log;
                            assertThat(nearest)
                                    .as(
                                            "only the monitor's kill may lose a report: %s; %s; the services' forwarding: %s",
                                            holes, report, forwarding)
                                    .isEqualTo("monitor");
                            assertThat(hole)
                                    .as(
                                            "at most the one report on the wire: %s; the services' forwarding: %s",
                                            holes, forwarding)
                                    .isLessThanOrEqualTo(POLL_MILLIS * 3 / 2);
                        }
                    }
                }
                assertThat(holes).hasSizeLessThanOrEqualTo(1);
                report.add(windows.size() + " samples stored across the kills ("
                        + (windows.getLast()[0] + windows.getLast()[1] - windows.getFirst()[0]) / 1_000
                        + " s), none twice, uncovered " + holes + ", longer windows " + longWindows);
            }
            assertThat(fio.waitFor(150, TimeUnit.SECONDS)).isTrue();
            JsonNode job = fioReport(fio).path("jobs").path(0);
            assertThat(fio.exitValue())
                    .as(Files.readString(dir.resolve("fio.err")))
                    .isZero();
            assertThat(job.path("error").asInt()).isZero();
            assertThat(job.path("write").path("total_ios").asLong()).isPositive();
            assertThat(server.role("gateway").restarts())
                    .as("the gateway never went down")
                    .isZero();
            System.out.println("fault test: " + String.join(", ", report) + "; fio wrote "
                    + job.path("write").path("total_ios").asLong() + " blocks, verified, 0 errors");
        }
    }

    @Test
    void aKilledGatewayComesBackAndAGatewayCutOffStaysFailStaticThenResyncs() throws Exception {
        try (ServerHarness server = new ServerHarness(dir, List.of("services", "monitor"), POLL_MILLIS)) {
            Await.until(90_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            long version = server.qosVersion();

            // kill -9 of the gateway mid-I/O: restarted, clients reconnect, parameters re-sent on registration.
            Process fio = fio(server, 30);
            Await.until(30_000, () -> server.gatewayOps() > 1_000);
            long pid = server.kill("gateway");
            Files.deleteIfExists(server.statsFile());
            server.awaitRestarted("gateway", pid, 10_000);
            long restartedAt = System.nanoTime();
            Await.until(60_000, () -> server.linkState().equals("IN_SESSION"));
            long sessionAt = System.nanoTime();
            // The statistics file is rewritten once a second: allow that on top of two poll intervals.
            Await.until(2 * POLL_MILLIS + 1_000, () -> server.qosVersion() >= version);
            long resyncMillis = (System.nanoTime() - sessionAt) / 1_000_000;
            long backMillis = (sessionAt - restartedAt) / 1_000_000;
            fio.waitFor(60, TimeUnit.SECONDS);
            Process client = fio(server, 3);
            assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client.exitValue())
                    .as("a new client connects and verifies")
                    .isZero();

            // The link cut: the gateway keeps serving with the parameters in force, then re-syncs.
            long sessions = server.linkSessions();
            server.link.cut();
            Await.until(30_000, () -> !server.linkState().equals("IN_SESSION"));
            Process during = fio(server, 3);
            assertThat(during.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(during.exitValue()).as("I/O goes on without the monitor").isZero();
            assertThat(server.qosVersion())
                    .as("fail-static: the last parameters stay in force")
                    .isGreaterThanOrEqualTo(version);
            server.link.restore();
            Await.until(30_000, () -> server.linkState().equals("IN_SESSION") && server.linkSessions() > sessions);
            System.out.println("fault test: gateway restarted after kill -9, in session again " + backMillis
                    + " ms after its restart, its parameters in force within " + resyncMillis
                    + " ms of that (poll interval " + POLL_MILLIS + " ms); link cut and restored, "
                    + "sessions " + sessions + " -> " + server.linkSessions());
        }
    }

    @Test
    void theWholeServerStoppedAndStartedKeepsHistorySlasRegistrationsAndAlerts() throws Exception {
        long from = System.currentTimeMillis();
        List<Long> before;
        try (ServerHarness server = new ServerHarness(dir, ROLES, POLL_MILLIS)) {
            Await.until(90_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            Process fio = fio(server, 5);
            assertThat(fio.waitFor(60, TimeUnit.SECONDS)).isTrue();
            try (JsonMailbox db = new JsonMailbox(server.mailbox(ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON)) {
                assertThat(db.call(slaPut("kept-across-restart"), 30).ok()).isTrue();
                assertThat(db.call(
                                        JsonMailbox.request("alert.upsert")
                                                .put("key", "test:restart")
                                                .put("severity", "WARNING")
                                                .put("message", "raised before the restart")
                                                .put("state", "OPEN")
                                                .put("at", System.currentTimeMillis()),
                                        30)
                                .ok())
                        .isTrue();
                Await.until(30_000, () -> sampleCount(db, from) >= 5 && registered(db));
                before = sampleSeconds(db, from, System.currentTimeMillis());
            }
        }
        try (ServerHarness server = new ServerHarness(dir, ROLES, POLL_MILLIS);
                JsonMailbox db = new JsonMailbox(server.mailbox(ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON)) {
            assertThat(db.call(JsonMailbox.request("sla.get").put("name", "kept-across-restart"), 30)
                            .ok())
                    .isTrue();
            assertThat(registered(db)).as("the gateway's registration").isTrue();
            assertThat(db.call(JsonMailbox.request("alert.list"), 30)
                            .body()
                            .path("items")
                            .toString())
                    .contains("test:restart");
            assertThat(sampleSeconds(db, from, System.currentTimeMillis()))
                    .as("the history")
                    .containsAll(before);
            Await.until(90_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            System.out.println("fault test: full restart kept " + before.size()
                    + " samples, the SLA, the registration and the alert");
        }
    }

    /** What the (restarted) services say about their forwarding to the database manager, for failure messages. */
    private static String forwarding(ServerHarness server) {
        try (JsonMailbox services = new JsonMailbox(
                server.mailbox(ServerMailboxes.SERVICES_QUERIES_SUFFIX), MailboxOpcodes.SERVICES_JSON)) {
            return services.call(JsonMailbox.request("status"), 30)
                    .body()
                    .path("dbForwarding")
                    .toString();
        } catch (Exception e) {
            return "not known (" + e + ")";
        }
    }

    private static ObjectNode slaPut(String name) {
        ObjectNode put = JsonMailbox.request("sla.put").put("name", name).put("expectedVersion", 0);
        put.putObject("spec")
                .put("name", name)
                .put("iopsLimit", 30_000)
                .putObject("scope")
                .put("kind", "TENANT")
                .put("id", "fault-test");
        return put;
    }

    private static boolean registered(JsonMailbox db) {
        try {
            return db.call(JsonMailbox.request("gateway.list"), 30)
                    .body()
                    .path("items")
                    .toString()
                    .contains("\"gatewayId\":1");
        } catch (Exception e) {
            return false;
        }
    }

    private static long sampleCount(JsonMailbox db, long from) {
        try {
            return sampleSeconds(db, from, System.currentTimeMillis()).size();
        } catch (Exception e) {
            return 0;
        }
    }

    /** Where the last window stored since {@code from} ends, or 0 if none is (yet). */
    private static long storedUntil(JsonMailbox db, long from) {
        try {
            return end(sampleWindows(db, from, System.currentTimeMillis()));
        } catch (Exception e) {
            return 0;
        }
    }

    /** Where the last of {@code windows} ends, or 0 if there is none. */
    private static long end(List<long[]> windows) {
        return windows.isEmpty() ? 0 : windows.getLast()[0] + windows.getLast()[1];
    }

    /** The start second of every 1 s point stored for the test's volume, writes, in order, every page. */
    private static List<Long> sampleSeconds(JsonMailbox db, long from, long to) throws Exception {
        return sampleWindows(db, from, to).stream().map(w -> w[0]).toList();
    }

    /** Start and length (ms) of every 1 s point stored for the test's volume, writes, in order, every page. */
    private static List<long[]> sampleWindows(JsonMailbox db, long from, long to) throws Exception {
        List<long[]> windows = new ArrayList<>();
        String after = null;
        do {
            var request = JsonMailbox.request("samples.range")
                    .put("volumeId", ServerHarness.VOLUME_ID)
                    .put("direction", "WRITE")
                    .put("from", from)
                    .put("to", to)
                    .put("resolution", "1s");
            if (after != null) {
                request.put("after", after);
            }
            JsonMailbox.Result page = db.call(request, 30);
            assertThat(page.ok()).as(page.body().toString()).isTrue();
            page.body()
                    .path("points")
                    .forEach(p -> windows.add(new long[] {
                        p.path("t").asLong(), p.path("windowMillis").asLong()
                    }));
            after = page.body().path("next").isTextual()
                    ? page.body().path("next").asText()
                    : null;
        } while (after != null);
        return windows;
    }

    @Test
    void corruptMailboxFilesAtStartAreMovedAsideAndRecreated() throws Exception {
        String name = "sluice-ft-" + ProcessHandle.current().pid();
        Path mailboxes = PrivateFiles.ensureDirectory(ServerMailboxes.directory(Path.of("/dev/shm"), name));
        Files.write(PrivateFiles.ensureFile(mailboxes.resolve(ServerMailboxes.SERVICES_SUFFIX)), new byte[4096]);
        Files.writeString(
                PrivateFiles.ensureFile(mailboxes.resolve(ServerMailboxes.MONITOR_SUFFIX)),
                "SLUICEMB but not really a mailbox");
        try (ServerHarness server = new ServerHarness(dir, List.of("services", "monitor"), POLL_MILLIS)) {
            assertThat(server.log)
                    .filteredOn(line -> line.contains("unusable") && line.contains("moved to"))
                    .hasSize(2);
            Await.until(90_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            for (String role : List.of("services", "monitor")) {
                assertThat(server.role(role).restarts())
                        .as("%s started once, no crash loop", role)
                        .isZero();
            }
        } finally {
            try (var aside = Files.list(mailboxes)) {
                for (Path p : aside.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(mailboxes);
        }
    }

    private Process fio(ServerHarness server, int seconds) throws Exception {
        Path out = Files.createTempFile(dir, "fio", ".json");
        Files.writeString(dir.resolve("fio.last"), out.toString());
        return new ProcessBuilder(
                        "fio",
                        "--name=verify",
                        "--ioengine=nbd",
                        "--uri=" + server.nbdUri(),
                        "--rw=randwrite",
                        "--bs=4k",
                        "--iodepth=8",
                        "--size=16m",
                        "--time_based",
                        "--runtime=" + seconds,
                        "--verify=crc32c",
                        "--verify_backlog=128",
                        "--verify_fatal=1",
                        "--verify_state_save=0",
                        "--output-format=json",
                        "--output=" + out)
                .redirectError(dir.resolve("fio.err").toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private JsonNode fioReport(Process fio) throws Exception {
        return JSON.readTree(Path.of(Files.readString(dir.resolve("fio.last"))).toFile());
    }
}
