package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.bench.JsonCaller;
import io.sluice.bench.JsonLine;
import io.sluice.common.ExitCode;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimCounter;
import io.sluice.sim.SimSnapshot;
import io.sluice.sim.Simulator;
import io.sluice.sim.VolumeIds;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice bench scale}: the SLA server at a realistic shape, end to end through its four real processes.
 * {@code ./sluice server --config FILE} runs as a child (supervisor, db, services, monitor, web); this JVM runs two
 * simulators against its monitor: G gateways of 64 volumes (ids 1..G) and one gateway (id 100000) of 1,000 volumes,
 * every gateway its own volume ids. Once every volume shows in the services' live view it measures, over a stretch of
 * steady state: samples stored per second (the database manager's {@code storedSamples}), the delay from a gateway's
 * report to its row (see {@link RowProbe}), reports lost (the monitor's dropped and lost reports, and volumes whose
 * stored windows leave a hole), throttle sets not answered, and the CPU of each role ({@code /proc/PID/stat}, as % of
 * one core) with the load average.
 */
@Command(
        name = "scale",
        mixinStandardHelpOptions = true,
        description =
                "The SLA server's four processes at 200 gateways x 64 volumes + 1 x 1,000 (--quick: 50 x 64 + 1,000):"
                        + " samples stored/s, report-to-row delay, lost reports, unacked throttle sets, CPU per role; last line is JSON.")
public final class ScaleBenchmark implements Callable<Integer> {
    private static final int VOLUMES_PER_GATEWAY = 64;
    private static final int BIG_GATEWAY_VOLUMES = 1_000;
    private static final long BIG_GATEWAY_ID = 100_000;
    private static final long POLL_MILLIS = 1_000;
    /** Samples per volume and report: one per direction (read, write). */
    private static final int SAMPLES_PER_REPORT = 2;

    private static final int PROBE_VOLUMES = 16;

    @Option(names = "--quick", description = "50 gateways x 64 volumes + 1 x 1,000, 20 s measured: under a minute")
    boolean quick;

    @Option(names = "--gateways", description = "gateways of 64 volumes (default 200, --quick 50)")
    Integer gateways;

    @Option(names = "--seconds", description = "seconds measured once every volume shows (default 60, --quick 20)")
    Integer seconds;

    @Option(names = "--warmup", description = "seconds to wait after every volume shows before measuring (default 0)")
    int warmupSeconds;

    @Option(
            names = "--pg",
            description = "run the database manager on PostgreSQL at HOST:PORT (a fresh database, dropped"
                    + " afterwards) instead of the embedded H2 default")
    String pg;

    @Option(
            names = "--pg-user",
            defaultValue = "sluice",
            description = "a role allowed to create databases (default ${DEFAULT-VALUE})")
    String pgUser;

    @Option(names = "--pg-password", defaultValue = "sluice")
    String pgPassword;

    @Option(
            names = "--launcher",
            description = "the sluice launcher to run the server with (default: the one of this checkout)")
    Path launcher;

    @Option(names = "--keep", description = "keep the server's data and run directories (logs) afterwards")
    boolean keep;

    private final List<String> notes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        int g = gateways != null ? gateways : quick ? 50 : 200;
        int measureSeconds = seconds != null ? seconds : quick ? 20 : 60;
        // Gateway ids 1..g must stay below the big gateway's (its volume ids, from 99,999,001, then stay clear too).
        if (g < 1 || g >= BIG_GATEWAY_ID || measureSeconds < 1 || warmupSeconds < 0) {
            System.err.println("scale: --gateways must be 1..99999, --seconds positive, --warmup not negative");
            return ExitCode.USAGE;
        }
        Path sluice = launcher != null ? launcher : findLauncher();
        int volumes = g * VOLUMES_PER_GATEWAY + BIG_GATEWAY_VOLUMES;
        long runStart = System.nanoTime();
        Path work = Files.createTempDirectory("sluice-bench-scale");
        ServerUnderTest.Database database = null;
        String pgDatabase = null;
        if (pg != null) {
            pgDatabase = "sluice_scale_"
                    + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c =
                            DriverManager.getConnection("jdbc:postgresql://" + pg + "/postgres", pgUser, pgPassword);
                    Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + pgDatabase);
            }
            database = new ServerUnderTest.Database("jdbc:postgresql://" + pg + "/" + pgDatabase, pgUser, pgPassword);
        }
        ServerUnderTest server =
                new ServerUnderTest(work, POLL_MILLIS, List.of("1-" + g, Long.toString(BIG_GATEWAY_ID)), database);
        Thread cleanup = new Thread(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        System.out.printf(
                Locale.ROOT,
                "scale benchmark (%s): %d gateways x %d volumes + 1 x %,d = %,d volumes, poll %d ms,"
                        + " %d s measured, %d cores, database %s; server %s in %s%n",
                quick ? "quick" : "full",
                g,
                VOLUMES_PER_GATEWAY,
                BIG_GATEWAY_VOLUMES,
                volumes,
                POLL_MILLIS,
                measureSeconds,
                Runtime.getRuntime().availableProcessors(),
                pg == null ? "H2 (embedded default)" : "PostgreSQL " + pgDatabase,
                server.name,
                work);
        Map<String, Object> json = null;
        boolean failed = true;
        String error = null;
        try {
            server.start(sluice, 180_000);
            double startSeconds = (System.nanoTime() - runStart) / 1e9;
            System.out.printf(Locale.ROOT, "  server up in %.1f s: %s%n", startSeconds, server.pids());
            json = measure(server, g, volumes, measureSeconds, startSeconds);
            failed = false;
        } catch (Exception e) {
            error = e.toString();
            System.err.println("scale: failed: " + e);
            e.printStackTrace();
            System.err.println("scale: the supervisor's last lines (role restarts are logged here):\n"
                    + ServerUnderTest.tail(server.output(), 15));
        } finally {
            server.close();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            if (pgDatabase != null) {
                try (Connection c = DriverManager.getConnection(
                                "jdbc:postgresql://" + pg + "/postgres", pgUser, pgPassword);
                        Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + pgDatabase + " WITH (FORCE)");
                } catch (SQLException e) {
                    System.err.println("scale: could not drop " + pgDatabase + ": " + e.getMessage());
                }
            }
            // An unhealthy run keeps the server's logs and database as evidence.
            boolean unhealthy = json != null
                    && (!Long.valueOf(0).equals(json.get("lost_reports"))
                            || !Long.valueOf(0).equals(json.get("unacked_throttle_sets"))
                            || !Long.valueOf(0).equals(json.get("samples_dropped")));
            if (keep || failed || unhealthy) {
                System.err.println("scale: the server's files are kept in " + work + " (logs in "
                        + server.runDir.resolve("logs") + ", its output in " + server.output() + ")");
            } else {
                deleteTree(work);
            }
        }
        if (json == null) {
            json = new LinkedHashMap<>();
            json.put("benchmark", "scale");
            json.put("mode", quick ? "quick" : "full");
            json.put("volumes", volumes);
            json.put("role_restarts", server.restarts());
            json.put("error", String.valueOf(error).replace('"', '\'').replace('\\', '/'));
        }
        json.put("wall_s", round1((System.nanoTime() - runStart) / 1e9));
        System.out.println();
        notes.forEach(n -> System.out.println("note: " + n));
        System.out.println(JsonLine.of(json));
        return failed ? ExitCode.FAILURE : ExitCode.OK;
    }

    private Map<String, Object> measure(
            ServerUnderTest server, int g, int volumes, int measureSeconds, double startSeconds) throws Exception {
        InetSocketAddress monitor = new InetSocketAddress("127.0.0.1", server.monitorPort);
        try (JsonCaller db = new JsonCaller(server.mailbox(ServerMailboxes.DB_SUFFIX), MailboxOpcodes.DB_JSON);
                JsonCaller services = new JsonCaller(
                        server.mailbox(ServerMailboxes.SERVICES_QUERIES_SUFFIX), MailboxOpcodes.SERVICES_JSON);
                JsonCaller monitorBox =
                        new JsonCaller(server.mailbox(ServerMailboxes.MONITOR_SUFFIX), MailboxOpcodes.MONITOR_STATUS)) {
            await(
                    "the database manager and the services to answer status",
                    60_000,
                    () -> answers(db, "status") && answers(services, "status"));
            long simStart = System.nanoTime();
            try (Simulator many = Simulator.start(SimContext.builder(monitor, server.secret)
                            .gateways(g)
                            .volumesPerGateway(VOLUMES_PER_GATEWAY)
                            .firstGatewayId(1)
                            .volumeIds(VolumeIds.DISTINCT)
                            .seed(5)
                            .summaryIntervalMillis(3_600_000)
                            .build());
                    Simulator big = Simulator.start(SimContext.builder(monitor, server.secret)
                            .gateways(1)
                            .volumesPerGateway(BIG_GATEWAY_VOLUMES)
                            .firstGatewayId(BIG_GATEWAY_ID)
                            .volumeIds(VolumeIds.DISTINCT)
                            .threads(1)
                            .seed(6)
                            .summaryIntervalMillis(3_600_000)
                            .build())) {
                Set<Integer> expected = new TreeSet<>();
                for (long id = 1; id <= g; id++) {
                    for (int v = 0; v < VOLUMES_PER_GATEWAY; v++) {
                        expected.add(many.context().volumeId(id, v));
                    }
                }
                for (int v = 0; v < BIG_GATEWAY_VOLUMES; v++) {
                    expected.add(big.context().volumeId(BIG_GATEWAY_ID, v));
                }
                if (expected.size() != volumes) {
                    throw new IllegalStateException("volume ids overlap: " + expected.size() + " of " + volumes);
                }

                // Every volume shown in the services' live view (what the dashboard and the REST API read).
                int[] shown = new int[1];
                await(
                        "every volume to show in the services' live view",
                        quick ? 60_000 : 300_000,
                        () -> {
                            shown[0] = countShown(services, expected);
                            return shown[0] == volumes;
                        },
                        () -> shown[0] + " of " + volumes + " shown; " + many.snapshot() + "; big: " + big.snapshot());
                double showSeconds = (System.nanoTime() - simStart) / 1e9;
                System.out.printf(
                        Locale.ROOT, "  every volume shown %.1f s after the simulators started%n", showSeconds);
                if (warmupSeconds > 0) {
                    System.out.printf(Locale.ROOT, "  warming up for %d s%n", warmupSeconds);
                    Thread.sleep(warmupSeconds * 1_000L);
                }

                // The measured stretch.
                int[] probed = probeVolumes(many.context(), big.context(), g);
                Snapshot before = Snapshot.take(server, db, services, monitorBox, many, big);
                long from = before.epochMillis;
                RowProbe probe = new RowProbe(db, probed, from - 5_000);
                Snapshot after;
                JsonNode sets;
                long[] monitorEnd;
                JsonNode dbEnd;
                JsonNode servicesEnd;
                String loadAvg;
                SimSnapshot manyEnd;
                SimSnapshot bigEnd;
                HoleCheck holes;
                try {
                    probe.start();
                    Thread.sleep(measureSeconds * 1_000L);
                    after = Snapshot.take(server, db, services, monitorBox, many, big);
                    probe.countUntil(after.epochMillis);
                    System.out.printf(Locale.ROOT, "  measured %d ms; settling%n", after.epochMillis - from);

                    // Throttle sets, with the gateways still there: settle until the outbox is empty (or a few
                    // seconds), then posted - acked - stored. The reports covering the stretch's end are sent
                    // meanwhile.
                    sets = settleThrottleSets(services, after.epochMillis + 2 * POLL_MILLIS, 10_000);
                    monitorEnd = monitorStatus(monitorBox);
                    manyEnd = many.snapshot();
                    bigEnd = big.snapshot();
                    // Then no more load: what the stretch produced drains into the database undisturbed, and checking
                    // every volume's windows cannot push the forwarder into dropping the stretch's own samples.
                    many.close();
                    big.close();
                    long drainStart = System.nanoTime();
                    awaitDrained(db, services, quick ? 10_000 : 60_000);
                    System.out.printf(
                            Locale.ROOT,
                            "  simulators stopped, pipeline drained in %.1f s; checking every volume's"
                                    + " stored windows%n",
                            (System.nanoTime() - drainStart) / 1e9);
                    dbEnd = db.ok(JsonCaller.request("status"), 30);
                    servicesEnd = services.ok(JsonCaller.request("status"), 30);
                } finally {
                    probe.close();
                }
                loadAvg = loadAvg();
                holes = checkHoles(db, expected, from, after.epochMillis, quick ? 10_000 : 60_000);
                for (Simulator sim : List.of(many, big)) {
                    if (sim.failure() != null) {
                        notes.add("a simulator loop failed: " + sim.failure());
                    }
                }
                return report(
                        server,
                        g,
                        volumes,
                        startSeconds,
                        showSeconds,
                        before,
                        after,
                        probe,
                        holes,
                        sets,
                        monitorEnd,
                        dbEnd,
                        servicesEnd,
                        loadAvg,
                        manyEnd,
                        bigEnd);
            }
        }
    }

    /** The counters and CPU times at one instant. */
    private record Snapshot(
            long epochMillis,
            long nanos,
            long storedSamples,
            long droppedSamples,
            long droppedCalls,
            long[] monitor,
            Map<String, Long> pids,
            Map<String, Long> ticks,
            long benchTicks,
            long pollsAnswered,
            long reconnects,
            long connectionsLost,
            int restarts,
            String loadAvg) {
        static Snapshot take(
                ServerUnderTest server,
                JsonCaller db,
                JsonCaller services,
                JsonCaller monitor,
                Simulator many,
                Simulator big)
                throws Exception {
            // Ask first, then read the clocks and CPU: the calls' own time does not fall into the stretch.
            JsonNode dbStatus = db.ok(JsonCaller.request("status"), 30);
            JsonNode forwarding = services.ok(JsonCaller.request("status"), 30).path("dbForwarding");
            long[] monitorStatus = monitorStatus(monitor);
            Map<String, Long> pids = server.pids();
            Map<String, Long> ticks = new LinkedHashMap<>();
            pids.forEach((role, pid) -> ticks.put(role, ServerUnderTest.cpuTicks(pid)));
            long bench = ServerUnderTest.cpuTicks(ProcessHandle.current().pid());
            SimSnapshot a = many.snapshot();
            SimSnapshot b = big.snapshot();
            return new Snapshot(
                    System.currentTimeMillis(),
                    System.nanoTime(),
                    dbStatus.path("storedSamples").asLong(),
                    forwarding.path("droppedSamples").asLong(),
                    forwarding.path("droppedCalls").asLong(),
                    monitorStatus,
                    pids,
                    ticks,
                    bench,
                    a.total().pollsAnswered() + b.total().pollsAnswered(),
                    a.total().reconnects() + b.total().reconnects(),
                    a.total().get(SimCounter.CONNECTIONS_LOST) + b.total().get(SimCounter.CONNECTIONS_LOST),
                    server.restarts(),
                    ScaleBenchmark.loadAvg());
        }
    }

    /**
     * Volumes whose stored windows leave a hole in the stretch, and volumes with no windows covering it by the
     * deadline.
     */
    private record HoleCheck(List<String> holes, Set<Integer> uncovered, long millis) {
        int volumesWithHoles() {
            Set<Integer> bad = new HashSet<>(uncovered);
            holes.forEach(h -> bad.add(Integer.parseInt(h.substring(0, h.indexOf(':')))));
            return bad.size();
        }
    }

    /**
     * Every volume's stored 1 s windows (WRITE direction, as each report stores one per direction) must tile
     * {@code [from, to]}: the first starting at or before {@code from}, the last ending at or after {@code to}, each
     * starting where the one before ended. A volume not yet covered is asked again until the deadline.
     */
    private static HoleCheck checkHoles(JsonCaller db, Set<Integer> volumes, long from, long to, long deadlineMillis)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        Set<Integer> pending = new TreeSet<>(volumes);
        List<String> holes = new ArrayList<>();
        final int inFlight = 16;
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Iterator<Integer> it = List.copyOf(pending).iterator();
            while (it.hasNext()) {
                List<Integer> batch = new ArrayList<>(inFlight);
                while (it.hasNext() && batch.size() < inFlight) {
                    batch.add(it.next());
                }
                List<CompletableFuture<JsonCaller.Result>> answers = new ArrayList<>(batch.size());
                for (int volume : batch) {
                    // From a minute before: the window that covers 'from' may have started well before it.
                    answers.add(db.post(JsonCaller.request("samples.range")
                            .put("volumeId", volume)
                            .put("direction", "WRITE")
                            .put("from", from - 60_000)
                            .put("to", to + 3 * POLL_MILLIS)
                            .put("resolution", "1s")));
                }
                for (int i = 0; i < batch.size(); i++) {
                    JsonCaller.Result result;
                    try {
                        result = answers.get(i).get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        continue;
                    }
                    if (!result.ok()) {
                        continue;
                    }
                    List<long[]> windows = new ArrayList<>();
                    for (JsonNode p : result.body().path("points")) {
                        long t = p.path("t").asLong();
                        long end = t + p.path("windowMillis").asLong();
                        if (end > from && t < to) {
                            windows.add(new long[] {t, end});
                        }
                    }
                    if (windows.isEmpty() || windows.getFirst()[0] > from || windows.getLast()[1] < to) {
                        continue; // not all stored yet: asked again
                    }
                    for (int w = 1; w < windows.size(); w++) {
                        if (windows.get(w)[0] != windows.get(w - 1)[1]) {
                            holes.add(batch.get(i) + ": " + windows.get(w - 1)[1] + " -> " + windows.get(w)[0]);
                        }
                    }
                    pending.remove(batch.get(i));
                }
            }
            if (!pending.isEmpty()) {
                Thread.sleep(500);
            }
        }
        return new HoleCheck(holes, pending, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The services' throttleSets once nothing waits or is in flight, asked no earlier than {@code notBefore} (epoch ms)
     * and given at most {@code maxMillis} more.
     */
    private static JsonNode settleThrottleSets(JsonCaller services, long notBefore, long maxMillis) throws Exception {
        Thread.sleep(Math.max(0, notBefore - System.currentTimeMillis()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (true) {
            JsonNode sets = services.ok(JsonCaller.request("status"), 30).path("throttleSets");
            if ((sets.path("waiting").asLong() == 0 && sets.path("inFlight").asLong() == 0)
                    || System.nanoTime() > deadline) {
                return sets;
            }
            Thread.sleep(250);
        }
    }

    /**
     * Until nothing waits between the services and the database (the services' forwarder holds no samples and has no
     * call in flight, the database manager buffers none) or {@code maxMillis} passed.
     */
    private static void awaitDrained(JsonCaller db, JsonCaller services, long maxMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() < deadline) {
            JsonNode forwarding = services.ok(JsonCaller.request("status"), 30).path("dbForwarding");
            JsonNode dbStatus = db.ok(JsonCaller.request("status"), 30);
            if (forwarding.path("pendingSamples").asLong() == 0
                    && forwarding.path("inFlight").asLong() == 0
                    && dbStatus.path("bufferedSamples").asLong() == 0
                    && dbStatus.path("journaledSamples").asLong() == 0) {
                return;
            }
            Thread.sleep(250);
        }
    }

    /** The monitor's counters (MonitorStatusDescriptor), asked through its mailbox. */
    private static long[] monitorStatus(JsonCaller monitor) throws Exception {
        Reply reply = monitor.raw(MailboxOpcodes.MONITOR_STATUS, new byte[0], 10);
        ByteBuffer b = ByteBuffer.wrap(reply.result());
        long[] values = new long[MonitorStatusDescriptor.LENGTH / 8];
        for (int i = 0; i < values.length && (i + 1) * 8 <= b.limit(); i++) {
            values[i] = b.getLong(i * 8);
        }
        return values;
    }

    private static long at(long[] monitor, int offset) {
        return monitor[offset / 8];
    }

    /** How many of {@code expected} the services' live view holds, every page of it; -1 while it cannot answer. */
    private static int countShown(JsonCaller services, Set<Integer> expected) {
        int shown = 0;
        try {
            String after = null;
            do {
                ObjectNode request = JsonCaller.request("live.volumes");
                if (after != null) {
                    request.put("after", after);
                }
                JsonCaller.Result page = services.call(request, 30);
                if (!page.ok()) {
                    return -1;
                }
                for (JsonNode item : page.body().path("items")) {
                    if (expected.contains(item.path("volumeId").asInt())) {
                        shown++;
                    }
                }
                after = page.body().path("next").isTextual()
                        ? page.body().path("next").asText()
                        : null;
            } while (after != null);
        } catch (Exception e) {
            return -1;
        }
        return shown;
    }

    /** Probed volumes: spread over the 64-volume gateways (first, last, between) and over the big gateway. */
    private static int[] probeVolumes(SimContext many, SimContext big, int g) {
        int fromBig = 4;
        int fromMany = PROBE_VOLUMES - fromBig;
        Set<Integer> ids = new LinkedHashSet<>();
        for (int i = 0; i < fromMany; i++) {
            long gateway = 1 + (long) i * (g - 1) / Math.max(1, fromMany - 1);
            ids.add(many.volumeId(gateway, (i * 17) % VOLUMES_PER_GATEWAY));
        }
        for (int i = 0; i < fromBig; i++) {
            ids.add(big.volumeId(BIG_GATEWAY_ID, i * (BIG_GATEWAY_VOLUMES - 1) / (fromBig - 1)));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean answers(JsonCaller box, String op) {
        try {
            return box.call(JsonCaller.request(op), 5).ok();
        } catch (Exception e) {
            return false;
        }
    }

    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws Exception {
        await(what, timeoutMillis, condition, () -> "");
    }

    private static void await(String what, long timeoutMillis, BooleanSupplier condition, Supplier<String> state)
            throws Exception {
        // Polled four times a second: each look is a JSON call to a server under measurement.
        if (!Await.within(timeoutMillis, 250, condition)) {
            throw new IOException("timed out after " + timeoutMillis + " ms waiting for " + what + ": " + state.get());
        }
    }

    private Map<String, Object> report(
            ServerUnderTest server,
            int g,
            int volumes,
            double startSeconds,
            double showSeconds,
            Snapshot before,
            Snapshot after,
            RowProbe probe,
            HoleCheck holes,
            JsonNode sets,
            long[] monitorEnd,
            JsonNode dbEnd,
            JsonNode servicesEnd,
            String loadAvg,
            SimSnapshot manyEnd,
            SimSnapshot bigEnd) {
        double secondsMeasured = (after.nanos - before.nanos) / 1e9;
        double storedPerSecond = (after.storedSamples - before.storedSamples) / secondsMeasured;
        double offeredPerSecond = (double) volumes * SAMPLES_PER_REPORT * 1_000 / POLL_MILLIS;
        long[] mid = probe.midMillis();
        long[] upper = probe.upperMillis();
        long dropped = at(monitorEnd, MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET);
        long lost = at(monitorEnd, MonitorStatusDescriptor.REPORTS_LOST_OFFSET);
        long droppedInStretch = dropped
                - at(before.monitor, MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET)
                + lost
                - at(before.monitor, MonitorStatusDescriptor.REPORTS_LOST_OFFSET);
        int holed = holes.volumesWithHoles();
        long posted = sets.path("posted").asLong();
        long acked = sets.path("acked").asLong();
        long stored = sets.path("stored").asLong();
        long unacked = posted - acked - stored;
        double pollsPerSecond = (at(after.monitor, MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET)
                        - at(before.monitor, MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET))
                / secondsMeasured;
        double clockTicks = clockTicksPerSecond();
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String role : before.pids.keySet()) {
            long b = before.ticks.get(role);
            Long a = after.ticks.get(role);
            boolean samePid = before.pids.get(role).equals(after.pids.get(role));
            cpu.put(
                    role,
                    samePid && b >= 0 && a != null && a >= 0
                            ? (a - b) / clockTicks / secondsMeasured * 100
                            : Double.NaN);
        }
        double benchCpu = (after.benchTicks - before.benchTicks) / clockTicks / secondsMeasured * 100;

        System.out.printf(
                Locale.ROOT,
                "%n  samples stored     %,10.0f /s   (offered %,.0f /s: %,d volumes x %d directions per %d ms poll)%n",
                storedPerSecond,
                offeredPerSecond,
                volumes,
                SAMPLES_PER_REPORT,
                POLL_MILLIS);
        // From the stretch's start until the pipeline drained: the stretch's samples may be dropped after its end.
        long samplesDropped =
                servicesEnd.path("dbForwarding").path("droppedSamples").asLong() - before.droppedSamples;
        System.out.printf(
                Locale.ROOT,
                "  samples dropped    %,10d by the services' forwarder from the stretch's start until drained"
                        + " (%,d during the stretch, of any age: the oldest waiting go first; %,d JSON calls dropped)%n",
                samplesDropped,
                after.droppedSamples - before.droppedSamples,
                after.droppedCalls - before.droppedCalls);
        System.out.printf(
                Locale.ROOT,
                "  report -> row      p50 %,d ms  p99 %,d ms  max %,d ms   (%d windows of %d volumes; conservative"
                        + " bound p50 %,d p99 %,d ms; %,d probe calls, %d failed)%n",
                RowProbe.percentile(mid, 50),
                RowProbe.percentile(mid, 99),
                RowProbe.percentile(mid, 100),
                mid.length,
                PROBE_VOLUMES,
                RowProbe.percentile(upper, 50),
                RowProbe.percentile(upper, 99),
                probe.calls(),
                probe.failedCalls());
        StringBuilder slices = new StringBuilder();
        for (long max : probe.maxBySlice(before.epochMillis, after.epochMillis, 5_000)) {
            slices.append(slices.isEmpty() ? "" : " ").append(max < 0 ? "-" : String.format(Locale.ROOT, "%,d", max));
        }
        System.out.printf(Locale.ROOT, "    largest per 5 s of the stretch, ms: %s%n", slices);
        System.out.printf(
                Locale.ROOT,
                "  lost reports       %d   (monitor since its start: %d dropped, %d lost, %d of them in the"
                        + " stretch; %d volumes with holes, %d of them"
                        + " not stored over the stretch by the end of the check; checked in %,d ms)%n",
                dropped + lost + holed,
                dropped,
                lost,
                droppedInStretch,
                holed,
                holes.uncovered().size(),
                holes.millis());
        holes.holes().stream().limit(5).forEach(h -> System.out.println("    hole: volume " + h));
        holes.uncovered().stream().limit(5).forEach(v -> System.out.println("    not covered: volume " + v));
        System.out.printf(
                Locale.ROOT,
                "  throttle sets      %d unacked (posted %d, acked %d, stored %d, failed %d, waiting %d, in flight %d)%n",
                unacked,
                posted,
                acked,
                stored,
                sets.path("failed").asLong(),
                sets.path("waiting").asLong(),
                sets.path("inFlight").asLong());
        System.out.printf(
                Locale.ROOT,
                "  monitor            %d gateways in session, %d unreachable, %d pending; polls answered %,.0f /s;"
                        + " %d thread pairs%n",
                at(monitorEnd, MonitorStatusDescriptor.IN_SESSION_OFFSET),
                at(monitorEnd, MonitorStatusDescriptor.UNREACHABLE_OFFSET),
                at(monitorEnd, MonitorStatusDescriptor.PENDING_OFFSET),
                pollsPerSecond,
                at(monitorEnd, MonitorStatusDescriptor.PAIRS_OFFSET));
        System.out.printf(Locale.ROOT, "  db                 %s%n", dbEnd);
        System.out.printf(
                Locale.ROOT,
                "  services           ticks %d, last tick %,d us, volumes %d, gateways %d, db forwarding %s%n",
                servicesEnd.path("ticks").asLong(),
                servicesEnd.path("lastTickMicros").asLong(),
                servicesEnd.path("volumes").asLong(),
                servicesEnd.path("gateways").asLong(),
                servicesEnd.path("dbForwarding"));
        StringBuilder cpuLine = new StringBuilder();
        cpu.forEach((role, pct) -> cpuLine.append(String.format(Locale.ROOT, "%s %.1f%%  ", role, pct)));
        System.out.printf(
                Locale.ROOT, "  cpu (%% of a core)  %sbench JVM (simulators, probe) %.1f%%%n", cpuLine, benchCpu);
        System.out.printf(
                Locale.ROOT,
                "  load average       %s at the start, %s at the end of the stretch, %s after the checks%n",
                before.loadAvg,
                after.loadAvg,
                loadAvg);
        System.out.printf(Locale.ROOT, "  simulators         %s; big: %s%n", manyEnd, bigEnd);
        long reconnects = after.reconnects - before.reconnects;
        long connectionsLost = after.connectionsLost - before.connectionsLost;
        int restarts = server.restarts();
        if (reconnects > 0 || connectionsLost > 0) {
            notes.add(
                    reconnects + " gateway reconnects and " + connectionsLost + " connections lost during the stretch");
        }
        if (restarts > 0) {
            notes.add("roles restarted " + restarts + " times (see " + server.runDir.resolve("logs") + ")");
        }
        if (storedPerSecond < 0.95 * offeredPerSecond) {
            notes.add(String.format(
                    Locale.ROOT,
                    "the database stored %.0f samples/s of %.0f offered",
                    storedPerSecond,
                    offeredPerSecond));
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "scale");
        json.put("mode", quick ? "quick" : "full");
        json.put("engine", pg == null ? "h2" : "postgresql");
        json.put("volumes", volumes);
        json.put("gateways", g + 1);
        json.put("poll_ms", POLL_MILLIS);
        json.put("measured_s", round1(secondsMeasured));
        json.put("samples_stored_per_s", Math.round(storedPerSecond));
        json.put("samples_offered_per_s", Math.round(offeredPerSecond));
        json.put("samples_dropped", samplesDropped);
        json.put("report_to_row_p50_ms", nullIfNone(RowProbe.percentile(mid, 50)));
        json.put("report_to_row_p99_ms", nullIfNone(RowProbe.percentile(mid, 99)));
        json.put("report_to_row_max_ms", nullIfNone(RowProbe.percentile(mid, 100)));
        json.put("report_to_row_windows", mid.length);
        json.put("lost_reports", dropped + lost + holed);
        json.put("reports_dropped", dropped);
        json.put("reports_lost", lost);
        json.put("reports_dropped_or_lost_in_stretch", droppedInStretch);
        json.put("volumes_with_holes", holed);
        json.put("unacked_throttle_sets", unacked);
        json.put("throttle_sets_failed", sets.path("failed").asLong());
        json.put("throttle_sets_posted", posted);
        json.put("polls_answered_per_s", Math.round(pollsPerSecond));
        cpu.forEach((role, pct) -> json.put("cpu_pct_" + role, Double.isNaN(pct) ? null : round1(pct)));
        json.put("cpu_pct_bench", round1(benchCpu));
        json.put("role_restarts", restarts);
        json.put("load_avg", Double.parseDouble(after.loadAvg.split(" ")[0]));
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("server_start_s", round1(startSeconds));
        json.put("all_shown_s", round1(showSeconds));
        json.put("warmup_s", warmupSeconds);
        return json;
    }

    private static Object nullIfNone(long value) {
        return value < 0 ? null : value;
    }

    /** /proc/loadavg's three averages. */
    private static String loadAvg() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "? ? ?";
        }
    }

    private static double clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Double.parseDouble(out);
        } catch (Exception e) {
            return 100; // Linux's USER_HZ everywhere but on exotic builds
        }
    }

    /**
     * The {@code sluice} launcher of the checkout these classes were built in (sluice-bench/target/classes), else
     * ./sluice.
     */
    private static Path findLauncher() {
        try {
            Path classes = Path.of(ScaleBenchmark.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path candidate = classes.getParent().getParent().getParent().resolve("sluice");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        } catch (Exception e) {
            // fall through
        }
        return Path.of(System.getProperty("user.dir"), "sluice").toAbsolutePath();
    }

    private static double round1(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
