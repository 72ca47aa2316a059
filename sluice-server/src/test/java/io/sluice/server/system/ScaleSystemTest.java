package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.server.TestSupervision;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerConfig;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.Supervisor;
import io.sluice.sim.SimContext;
import io.sluice.sim.Simulator;
import io.sluice.sim.VolumeIds;
import io.sluice.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The SLA server at a realistic shape: its four roles under the real supervisor, as processes joined by the real
 * mailboxes, polling many simulated gateways with many volumes each (every gateway its own volumes) and one gateway
 * with 1,000 volumes. Every volume is registered and shown, every volume's samples are stored with no hole, and every
 * throttle set the services post is answered. CI runs {@value #CI_GATEWAYS} gateways of 64 volumes;
 * {@code -Dsluice.scale.gateways=200} runs the full shape.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("system")
class ScaleSystemTest {
    private static final int CI_GATEWAYS = 40;
    private static final int VOLUMES_PER_GATEWAY = 64;
    private static final int BIG_GATEWAY_VOLUMES = 1_000;
    /** The big gateway's id: far above the others, so its volume ids do not meet theirs. */
    private static final long BIG_GATEWAY_ID = 100_000;
    /**
     * Two gateways that come late and propose the ids gateway 1 already holds, as two hosts with default settings do.
     */
    private static final long LATE_GATEWAY_ID = 9_001;

    private static final int LATE_GATEWAY_VOLUMES = 3;
    private static final long POLL_MILLIS = 1_000;
    /**
     * How far before and after the stretch the stored windows are asked for: a window is found by its start, and under
     * load one window can be several intervals long (polls wait while the services are behind), so the one that covers
     * the stretch's start may begin well before it.
     */
    private static final long WINDOW_MARGIN_MILLIS = 60_000;

    private static final byte[] SECRET = "scale-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void everyVolumeOfEveryGatewayIsShownStoredWithoutHolesAndControlled() throws Exception {
        int gateways = Integer.getInteger("sluice.scale.gateways", CI_GATEWAYS);
        int monitorPort = ServerHarness.freePort();
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        ServerSettings settings = ServerSettings.resolve(
                ServerConfig.EMPTY,
                new ServerConfig(
                        "sluice-scale-" + ProcessHandle.current().pid(),
                        dir.resolve("data").toString(),
                        null,
                        null,
                        secret.toString(),
                        TestSupervision.HEARTBEAT_TIMEOUT_MILLIS,
                        ServerSettings.ALL_ROLES,
                        null,
                        ServerConfig.Monitor.builder(
                                        "127.0.0.1:" + monitorPort,
                                        POLL_MILLIS,
                                        List.of(
                                                "1-" + gateways,
                                                Long.toString(BIG_GATEWAY_ID),
                                                LATE_GATEWAY_ID + "-" + (LATE_GATEWAY_ID + 1)))
                                // the whole fleet may connect at once: room for all of it unauthenticated
                                .maxUnauthenticated(4_096, 4_096)
                                // Explicitly plaintext: thousands of simulated gateways connecting at once over TLS
                                // wait on the monitor's bounding of handshakes in progress (docs/security.md), which
                                // this test does not measure.
                                .insecurePlaintext(true)
                                .build(),
                        null,
                        null,
                        new ServerConfig.Web("127.0.0.1:" + ServerHarness.freePort())));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Supervisor supervisor = new Supervisor(
                settings.runDir(),
                RoleCatalog.mailboxes(settings),
                RoleCatalog.roles(settings),
                classpath,
                settings.heartbeatTimeoutMillis(),
                EpochClock.system(),
                log::add);
        Thread stepper = Thread.ofPlatform().name("supervisor-step").start(() -> step(supervisor));
        InetSocketAddress monitor = new InetSocketAddress("127.0.0.1", monitorPort);
        int volumes = gateways * VOLUMES_PER_GATEWAY + BIG_GATEWAY_VOLUMES;
        try {
            supervisor.start();
            try (Simulator many = Simulator.start(SimContext.builder(monitor, SECRET)
                            .gateways(gateways)
                            .volumesPerGateway(VOLUMES_PER_GATEWAY)
                            .firstGatewayId(1)
                            .volumeIds(VolumeIds.DISTINCT)
                            .seed(5)
                            .build());
                    Simulator big = Simulator.start(SimContext.builder(monitor, SECRET)
                            .gateways(1)
                            .volumesPerGateway(BIG_GATEWAY_VOLUMES)
                            .firstGatewayId(BIG_GATEWAY_ID)
                            .volumeIds(VolumeIds.DISTINCT)
                            .threads(1)
                            .seed(6)
                            .build());
                    JsonMailbox db = new JsonMailbox(
                            RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON);
                    JsonMailbox services = new JsonMailbox(
                            RoleCatalog.mailbox(settings, ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                            MailboxOpcodes.SERVICES_JSON)) {
                Set<Integer> expected = new HashSet<>();
                for (long g = 1; g <= gateways; g++) {
                    for (int v = 0; v < VOLUMES_PER_GATEWAY; v++) {
                        expected.add(many.context().volumeId(g, v));
                    }
                }
                for (int v = 0; v < BIG_GATEWAY_VOLUMES; v++) {
                    expected.add(big.context().volumeId(BIG_GATEWAY_ID, v));
                }
                assertThat(expected).hasSize(volumes);

                // Every volume shown: the services' live view (what the dashboard and the API read) and the registry.
                Await.until(
                        180_000, () -> ids(services, "live.volumes", "items").containsAll(expected));
                Await.until(60_000, () -> ids(db, "volume.list", "items").containsAll(expected));
                lateGatewaysGetIdsOfTheirOwnAndEveryVolumeIsKnownByName(
                        monitor, db, services, many, expected, gateways);

                // A stretch of steady state, every volume's samples to tile it.
                long from = System.currentTimeMillis();
                long postedBefore = throttleSets(services).path("posted").asLong();
                Path monitorBox = RoleCatalog.mailbox(settings, ServerMailboxes.MONITOR_SUFFIX);
                long[] before = monitorStatus(monitorBox);
                Thread.sleep(5 * POLL_MILLIS);
                long to = System.currentTimeMillis();
                List<String> holes = holes(db, expected, from, to);
                assertThat(holes)
                        .as(
                                "volumes whose stored windows leave a hole between %d and %d (services: %s)",
                                from,
                                to,
                                services.call(JsonMailbox.request("status"), 30).body())
                        .isEmpty();

                // Every throttle set posted is answered by the monitor (acknowledged by its gateway, or kept for it).
                Await.until(60_000, () -> {
                    JsonNode sets = throttleSets(services);
                    return sets.path("acked").asLong() + sets.path("stored").asLong() >= postedBefore;
                });
                JsonNode sets = throttleSets(services);
                assertThat(sets.path("failed").asLong())
                        .as("throttle sets not delivered: %s", sets)
                        .isZero();
                assertThat(sets.path("acked").asLong())
                        .as("throttle sets acknowledged by gateways: %s", sets)
                        .isPositive();
                // Once every gateway is in session, nothing is dropped or lost; while they all connect at once
                // the services may fall behind, and whatever they could not take is counted, never silent.
                long[] after = monitorStatus(monitorBox);
                int dropped = MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET / 8;
                int lost = MonitorStatusDescriptor.REPORTS_LOST_OFFSET / 8;
                assertThat(after[dropped] - before[dropped])
                        .as("reports dropped in steady state")
                        .isZero();
                assertThat(after[lost] - before[lost])
                        .as("reports lost in steady state")
                        .isZero();
                assertThat(after[MonitorStatusDescriptor.IN_SESSION_OFFSET / 8]).isEqualTo(gateways + 1);
                System.out.printf(
                        "scale test: %d gateways x %d volumes + 1 x %d = %d volumes at a %d ms poll: all shown, "
                                + "stored without holes; throttle sets %s; reports dropped while they connected: %d%n",
                        gateways,
                        VOLUMES_PER_GATEWAY,
                        BIG_GATEWAY_VOLUMES,
                        volumes,
                        POLL_MILLIS,
                        sets,
                        before[dropped]);
            }
        } finally {
            stepper.interrupt();
            stepper.join();
            supervisor.close();
            printLogTails(settings.runDir().resolve("logs"), log);
            RoleCatalog.removeMailboxes(settings);
        }
    }

    /**
     * Two more gateways whose volumes propose ids 1..3, which gateway 1's volumes hold: the server gives them ids of
     * their own, every volume is registered under its gateway's and export's names, and an SLA scope may name a volume.
     */
    private static void lateGatewaysGetIdsOfTheirOwnAndEveryVolumeIsKnownByName(
            InetSocketAddress monitor,
            JsonMailbox db,
            JsonMailbox services,
            Simulator many,
            Set<Integer> expected,
            int gateways)
            throws Exception {
        try (Simulator late = Simulator.start(SimContext.builder(monitor, SECRET)
                .gateways(2)
                .volumesPerGateway(LATE_GATEWAY_VOLUMES)
                .firstGatewayId(LATE_GATEWAY_ID)
                .volumeIds(VolumeIds.DEFAULT)
                .threads(1)
                .seed(7)
                .build())) {
            Await.until(
                    60_000,
                    () -> names(db)
                            .values()
                            .containsAll(List.of(
                                    "sim-gateway-9001/vol-1",
                                    "sim-gateway-9001/vol-3",
                                    "sim-gateway-9002/vol-1",
                                    "sim-gateway-9002/vol-3")));
            Map<Integer, String> names = names(db);
            for (long g = 1; g <= gateways; g++) {
                for (int v = 0; v < VOLUMES_PER_GATEWAY; v++) {
                    assertThat(names.get(many.context().volumeId(g, v)))
                            .isEqualTo("sim-gateway-" + g + "/vol-" + (v + 1));
                }
            }
            List<Integer> lateIds = names.entrySet().stream()
                    .filter(e -> e.getValue().startsWith("sim-gateway-900"))
                    .map(Map.Entry::getKey)
                    .toList();
            assertThat(lateIds)
                    .hasSize(2 * LATE_GATEWAY_VOLUMES)
                    .doesNotHaveDuplicates()
                    .noneMatch(expected::contains);

            int named = lateIds.stream()
                    .filter(id -> names.get(id).equals("sim-gateway-9002/vol-2"))
                    .findFirst()
                    .orElseThrow();
            JsonMailbox.Result valid = services.call(
                    JsonMailbox.request("sla.validate")
                            .set(
                                    "spec",
                                    JsonMailbox.JSON.readTree(
                                            "{\"name\": \"by-name\", \"scope\": {\"kind\": \"VOLUME\", \"name\": \"sim-gateway-9002/vol-2\"},"
                                                    + " \"iopsLimit\": 100}")),
                    30);
            assertThat(valid.body().path("scope").path("id").asText())
                    .as("%s", valid.body())
                    .isEqualTo(Integer.toString(named));
        }
    }

    /** Every registered volume's name by id (null: not announced by name); empty while the database cannot answer. */
    private static Map<Integer, String> names(JsonMailbox db) {
        Map<Integer, String> names = new HashMap<>();
        try {
            String after = null;
            do {
                var request = JsonMailbox.request("volume.list");
                if (after != null) {
                    request.put("after", after);
                }
                JsonMailbox.Result page = db.call(request, 30);
                page.body()
                        .path("items")
                        .forEach(v -> names.put(
                                v.path("volumeId").asInt(),
                                v.path("name").isTextual() ? v.path("name").asText() : null));
                after = page.body().path("next").isTextual()
                        ? page.body().path("next").asText()
                        : null;
            } while (after != null);
        } catch (Exception e) {
            return Map.of();
        }
        return names;
    }

    /** The supervisor's log and the end of each role's, for whoever reads a failed run. */
    private static void printLogTails(Path logs, ConcurrentLinkedQueue<String> supervisorLog) throws Exception {
        supervisorLog.forEach(line -> System.out.println("supervisor: " + line));
        try (var files = Files.list(logs)) {
            for (Path file : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                lines.subList(Math.max(0, lines.size() - 8), lines.size())
                        .forEach(line -> System.out.println(file.getFileName() + ": " + line));
            }
        }
    }

    private static void step(Supervisor supervisor) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                supervisor.doWork();
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // the next step tries again
            }
        }
    }

    /** The volume ids a JSON listing holds, every page of it; empty while the callee cannot answer. */
    private static Set<Integer> ids(JsonMailbox box, String op, String field) {
        Set<Integer> ids = new HashSet<>();
        try {
            String after = null;
            do {
                var request = JsonMailbox.request(op);
                if (after != null) {
                    request.put("after", after);
                }
                JsonMailbox.Result page = box.call(request, 30);
                if (!page.ok()) {
                    return Set.of();
                }
                page.body().path(field).forEach(v -> ids.add(v.path("volumeId").asInt()));
                after = page.body().path("next").isTextual()
                        ? page.body().path("next").asText()
                        : null;
            } while (after != null);
        } catch (Exception e) {
            return Set.of();
        }
        return ids;
    }

    private static JsonNode throttleSets(JsonMailbox services) {
        try {
            return services.call(JsonMailbox.request("status"), 30).body().path("throttleSets");
        } catch (Exception e) {
            throw new AssertionError("the services did not answer status", e);
        }
    }

    /**
     * Each volume's stored 1 s windows, once they cover {@code [from, to]} (a volume still on its way to the database
     * is asked again, within a bound): the places where two consecutive windows do not meet.
     */
    private static List<String> holes(JsonMailbox db, Set<Integer> volumes, long from, long to) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        List<String> holes = new ArrayList<>();
        for (int volume : volumes) {
            List<long[]> windows = windows(db, volume, from, to);
            while (windows.isEmpty() || windows.getFirst()[0] > from || end(windows.getLast()) < to) {
                assertThat(System.nanoTime())
                        .as(
                                "volume %d's windows cover %d..%d: %s",
                                volume,
                                from,
                                to,
                                windows.stream().map(w -> w[0] + "+" + w[1]).toList())
                        .isLessThan(deadline);
                Thread.sleep(100);
                windows = windows(db, volume, from, to);
            }
            for (int i = 1; i < windows.size(); i++) {
                if (windows.get(i)[0] != end(windows.get(i - 1))) {
                    holes.add(volume + ": " + end(windows.get(i - 1)) + " -> " + windows.get(i)[0]);
                }
            }
        }
        return holes;
    }

    /** Start and length of a volume's stored 1 s windows (writes) around {@code [from, to]}. */
    private static List<long[]> windows(JsonMailbox db, int volume, long from, long to) throws Exception {
        JsonMailbox.Result page = db.call(
                JsonMailbox.request("samples.range")
                        .put("volumeId", volume)
                        .put("direction", "WRITE")
                        .put("from", from - WINDOW_MARGIN_MILLIS)
                        .put("to", to + WINDOW_MARGIN_MILLIS)
                        .put("resolution", "1s"),
                30);
        assertThat(page.ok()).as(page.body().toString()).isTrue();
        List<long[]> windows = new ArrayList<>();
        page.body()
                .path("points")
                .forEach(p -> windows.add(
                        new long[] {p.path("t").asLong(), p.path("windowMillis").asLong()}));
        return windows;
    }

    private static long end(long[] window) {
        return window[0] + window[1];
    }

    /** The monitor's counters (MonitorStatusDescriptor), asked through its mailbox. */
    private static long[] monitorStatus(Path box) throws Exception {
        try (Mailbox mailbox = Mailbox.open(box);
                MailboxClient client = MailboxClient.attachTool(mailbox)) {
            Reply reply =
                    client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(10, TimeUnit.SECONDS);
            ByteBuffer b = ByteBuffer.wrap(reply.result());
            long[] values = new long[MonitorStatusDescriptor.LENGTH / 8];
            for (int i = 0; i < values.length; i++) {
                values[i] = b.getLong(i * 8);
            }
            return values;
        }
    }
}
