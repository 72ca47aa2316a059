package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.bench.JsonCaller;
import io.sluice.bench.JsonLine;
import io.sluice.bench.PgRoleOptions;
import io.sluice.common.ExitCode;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimSnapshot;
import io.sluice.sim.Simulator;
import io.sluice.sim.VolumeIds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    static final long POLL_MILLIS = 1_000;
    /** Samples per volume and report: one per direction (read, write). */
    static final int SAMPLES_PER_REPORT = 2;

    static final int PROBE_VOLUMES = 16;

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

    @Mixin
    PgRoleOptions pgRole = new PgRoleOptions();

    @Option(
            names = "--launcher",
            description = "the sluice launcher to run the server with (default: the one of this checkout)")
    Path launcher;

    @Option(names = "--keep", description = "keep the server's data and run directories (logs) afterwards")
    boolean keep;

    final List<String> notes = new ArrayList<>();

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
            try (Connection c = DriverManager.getConnection(
                            "jdbc:postgresql://" + pg + "/postgres", pgRole.user, pgRole.password);
                    Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + pgDatabase);
            }
            database = new ServerUnderTest.Database(
                    "jdbc:postgresql://" + pg + "/" + pgDatabase, pgRole.user, pgRole.password);
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
                                "jdbc:postgresql://" + pg + "/postgres", pgRole.user, pgRole.password);
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
        json.put("wall_s", ScaleReport.round1((System.nanoTime() - runStart) / 1e9));
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
            ServerWaits.await(
                    "the database manager and the services to answer status",
                    60_000,
                    () -> ServerWaits.answers(db, "status") && ServerWaits.answers(services, "status"));
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
                ServerWaits.await(
                        "every volume to show in the services' live view",
                        quick ? 60_000 : 300_000,
                        () -> {
                            shown[0] = ServerWaits.countShown(services, expected);
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
                ScaleSnapshot before = ScaleSnapshot.take(server, db, services, monitorBox, many, big);
                long from = before.epochMillis();
                RowProbe probe = new RowProbe(db, probed, from - 5_000);
                ScaleSnapshot after;
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
                    after = ScaleSnapshot.take(server, db, services, monitorBox, many, big);
                    probe.countUntil(after.epochMillis());
                    System.out.printf(Locale.ROOT, "  measured %d ms; settling%n", after.epochMillis() - from);

                    // Throttle sets, with the gateways still there: settle until the outbox is empty (or a few
                    // seconds), then posted - acked - stored. The reports covering the stretch's end are sent
                    // meanwhile.
                    sets = ServerWaits.settleThrottleSets(services, after.epochMillis() + 2 * POLL_MILLIS, 10_000);
                    monitorEnd = ScaleSnapshot.monitorStatus(monitorBox);
                    manyEnd = many.snapshot();
                    bigEnd = big.snapshot();
                    // Then no more load: what the stretch produced drains into the database undisturbed, and checking
                    // every volume's windows cannot push the forwarder into dropping the stretch's own samples.
                    many.close();
                    big.close();
                    long drainStart = System.nanoTime();
                    ServerWaits.awaitDrained(db, services, quick ? 10_000 : 60_000);
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
                loadAvg = ScaleSnapshot.readLoadAvg();
                holes = HoleCheck.check(db, expected, from, after.epochMillis(), quick ? 10_000 : 60_000);
                for (Simulator sim : List.of(many, big)) {
                    if (sim.failure() != null) {
                        notes.add("a simulator loop failed: " + sim.failure());
                    }
                }
                return ScaleReport.report(
                        this,
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

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
