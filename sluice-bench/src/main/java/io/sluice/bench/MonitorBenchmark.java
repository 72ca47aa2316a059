package io.sluice.bench;

import io.sluice.bench.monitor.BenchServerMain;
import io.sluice.bench.monitor.BenchServices;
import io.sluice.common.EpochClock;
import io.sluice.pki.CertificateAuthority;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Poll sweeps (POLL to all n gateways, all reports back) on loopback, with the simulator as the gateways, side by side
 * in one run: the Sluice monitor daemon (thread pairs, reports delivered into the services' mailbox), Netty event
 * loops, and a thread per gateway on platform and on virtual threads. Each monitor runs in its own JVM so its CPU time,
 * threads and resident memory are its own.
 */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description =
                "Poll-sweep time, CPU, threads and memory for 1k..19k simulated gateways vs Netty and thread-per-gateway.")
final class MonitorBenchmark implements Callable<Integer> {
    /** The file-descriptor hard limit here is 20,000 per process, so 19,000 is the largest n that fits. */
    private static final int LARGEST = 19_000;

    private static final List<String> KINDS = List.of("sluice", "netty", "platform", "virtual");
    /**
     * The plaintext and TLS pair runs at this many gateways, connecting over {@link #TLS_RAMP_MILLIS_PER_GATEWAY} each:
     * full TLS handshakes (ECDHE, a signature and a certificate chain checked on both sides) get through about a
     * hundred a second on two shared cores, so 10,000 would take minutes to connect, and faster arrivals only pile up
     * handshakes that all advance together and time out together.
     */
    private static final int TLS_GATEWAYS = 1_000;

    private static final int TLS_RAMP_MILLIS_PER_GATEWAY = 10;

    /**
     * The monitors compared at {@link #LARGEST} in the quick run: the thread per gateway cannot hold it, Netty is the
     * peer of record.
     */
    private static final List<String> QUICK_LARGEST_KINDS = List.of("sluice", "netty");

    @Option(
            names = "--quick",
            description = "10k gateways, Sluice and Netty at 19k too (the plaintext/TLS pair at 1k), "
                    + "fewer sweeps: a few minutes")
    boolean quick;

    @Option(
            names = "--tls-pair",
            split = ",",
            paramLabel = "N",
            description =
                    "only the plaintext/TLS pair of the Sluice monitor, at these gateway counts (e.g. 1000,10000), "
                            + "the gateways all starting within " + BURST_RAMP_MILLIS + " ms; 5 sweeps each")
    List<Integer> tlsPairSizes;

    @Option(
            names = "--max-handshakes-in-progress",
            paramLabel = "N",
            description =
                    "with --tls-pair: the TLS monitor's bound on handshakes in progress (default: its own, four per core)")
    int handshakeBound;

    @Option(
            names = "--connects-in-flight",
            paramLabel = "C",
            description = "with --tls-pair: the simulator's connects in flight (default: its own, 64); the fleet size "
                    + "lets every gateway connect at once")
    int connectsInFlight;

    @Option(
            names = "--sweep-pair",
            description = "only Sluice and Netty at 10k and 19k, 5 sweeps each, and the two "
                    + "sweep_vs_netty ratios: the quick run's sweep rows alone, for repeated before/after runs")
    boolean sweepPair;

    @Option(
            names = "--monitor-jfr",
            paramLabel = "DIR",
            description = "record each Sluice monitor JVM with JFR (settings=profile) into DIR/sluice-<gateways>.jfr")
    Path monitorJfr;

    @Option(
            names = "--skewed",
            description = "only the skewed fleet (" + SKEWED_GATEWAYS + " gateways, " + SKEW
                    + " heavy:volumes), balanced by load with work sharing and by count alone, twice each in turn")
    boolean skewedOnly;

    @Option(
            names = "--skewed-as-connected",
            description = "with --skewed (or the full or quick run): leave the heavy gateways where the monitor placed "
                    + "them as they connected, instead of starting both balancings with all of them on one pair")
    boolean skewedAsConnected;

    /**
     * The skewed fleet: {@value #SKEWED_GATEWAYS} gateways, of which every hundredth (20) serves 400 volumes and the
     * others one, so the heavy gateways bring about four fifths of a sweep's volume records. Counting sessions spreads
     * the gateways, not the work; arriving in order, the heavy ones may well land on one pair.
     */
    static final int SKEWED_GATEWAYS = 2_000;

    static final String SKEW = "20:400";

    @Option(
            names = "--skew",
            paramLabel = "H:V",
            description = "the skewed fleet's heavy gateways and their volumes (default " + SKEW + ")")
    String skew = SKEW;
    /** Sweeps before measuring: time for the monitor to measure its gateways' costs and rebalance (every 2 s). */
    static final long SKEWED_WARMUP_MILLIS = 7_000;
    /** Per run: with two runs a kind, its p99 is the third slowest of 200 sweeps, not the one slowest. */
    static final int SKEWED_SWEEPS = 100;

    /** How fast the fleet arrives in {@code --tls-pair} runs: all at once, as after a monitor restart. */
    static final int BURST_RAMP_MILLIS = 2_500;

    /**
     * {@code connectSeconds}: from the simulator's start until every gateway has a session (its ramp-up included);
     * {@code connectCpuMsPerGateway}: the monitor's CPU from its start until then, per gateway; {@code handshakes}:
     * Sluice's peak handshakes in progress, times the bound stopped its acceptor, and handshake timeouts.
     */
    record Row(
            String kind,
            int gateways,
            double p50Ms,
            double p99Ms,
            double cpuMsPerSweep,
            int threads,
            long rssMb,
            double connectSeconds,
            double connectCpuMsPerGateway,
            String handshakes,
            String load,
            String note) {
        static Row failed(String kind, int gateways, Exception e) {
            return new Row(
                    kind,
                    gateways,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    -1,
                    -1,
                    Double.NaN,
                    Double.NaN,
                    "",
                    loadAverage1m(),
                    "failed: " + e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        Path secret = Files.createTempFile("sluice-bench-secret", "");
        Files.writeString(secret, "monitor-benchmark-deployment-secret-0123456789");
        if (tlsPairSizes != null) {
            return tlsPairs(secret);
        }
        if (sweepPair) {
            return sweepPair(secret);
        }
        if (skewedOnly) {
            try {
                Skewed skewed = skewed(secret);
                System.out.printf(
                        Locale.ROOT,
                        "%nmonitor benchmark (skewed): %d gateways (%s heavy:volumes), %d sweeps each "
                                + "after %d ms of warm-up sweeps, twice in turn, %d cores, load %s%n",
                        SKEWED_GATEWAYS,
                        skew,
                        SKEWED_SWEEPS,
                        SKEWED_WARMUP_MILLIS,
                        Runtime.getRuntime().availableProcessors(),
                        loadAverage());
                printHeader();
                printRow(skewed.count());
                printRow(skewed.load());
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("benchmark", "monitor");
                json.put("mode", "skewed");
                skewed.into(json);
                System.out.println();
                System.out.println(JsonLine.of(json));
            } finally {
                deleteSecretAndPki(secret);
            }
            return 0;
        }
        List<Integer> sizes = quick ? List.of(10_000, LARGEST) : List.of(1_000, 5_000, 10_000, LARGEST);
        int sweeps = quick ? 5 : 20;
        List<Row> rows = new ArrayList<>();
        List<Row> pair = new ArrayList<>();
        long[] throttle = null;
        double coreFraction = Double.NaN;
        Skewed skewed;
        try {
            for (int n : sizes) {
                for (String kind : quick && n == LARGEST ? QUICK_LARGEST_KINDS : KINDS) {
                    try {
                        rows.add(run(kind, n, Math.max(1_000, n / 4), sweeps, secret));
                    } catch (Exception e) {
                        rows.add(Row.failed(kind, n, e));
                    }
                    System.err.println("  " + rows.getLast());
                }
            }
            for (String kind : List.of("sluice", "sluice-tls")) {
                try {
                    pair.add(run(kind, TLS_GATEWAYS, TLS_GATEWAYS * TLS_RAMP_MILLIS_PER_GATEWAY, sweeps, secret));
                } catch (Exception e) {
                    pair.add(Row.failed(kind, TLS_GATEWAYS, e));
                }
                System.err.println("  " + pair.getLast());
            }
            try (Peer sluice = new Peer("sluice", 10_000, 3_600_000, 2_500, secret)) {
                throttle = sluice.throttle(quick ? 500 : 2_000, 16, 10_000);
            }
            try (Peer sluice = new Peer(
                    "sluice", coreFractionGateways(), 1_000, Math.max(1_000, coreFractionGateways() / 4), secret)) {
                coreFraction = sluice.coreFraction(quick ? 3_000 : 10_000);
            }
            skewed = skewed(secret);
        } finally {
            deleteSecretAndPki(secret);
        }
        print(rows, pair, throttle, coreFraction, sweeps, skewed);
        return 0;
    }

    /**
     * The skewed fleet under both balancings, in turn (count, load, count, load) so a change in the machine's load
     * weighs on both; each kind's sweeps of its two runs together.
     */
    private Skewed skewed(Path secret) throws Exception {
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        Map<String, Row> last = new LinkedHashMap<>();
        Map<String, String> balance = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            for (String kind : List.of("sluice-count", "sluice")) {
                try (Peer peer = new Peer(
                        kind,
                        SKEWED_GATEWAYS,
                        3_600_000,
                        1_000,
                        secret,
                        0,
                        0,
                        null,
                        List.of("--skew", skew, "--volume-ids", "distinct"))) {
                    String start = skewedAsConnected ? "as connected" : heavyOnOnePair(peer, skew);
                    String[] balanceBefore = peer.send("BALANCE").split(" ");
                    long warmUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SKEWED_WARMUP_MILLIS);
                    while (System.nanoTime() < warmUntil) {
                        peer.send("SWEEP");
                    }
                    long cpuBefore = peer.cpuNanos();
                    Map<String, Long> monitorThreadsBefore = ThreadCpu.read(peer.server.pid());
                    Map<String, Long> simThreadsBefore = ThreadCpu.read(peer.sim.pid());
                    long wallBefore = System.nanoTime();
                    for (int i = 0; i < SKEWED_SWEEPS; i++) {
                        long nanos = Long.parseLong(peer.send("SWEEP").split(" ")[1]);
                        samples.computeIfAbsent(kind, k -> new ArrayList<>()).add(nanos < 0 ? 30_000.0 : nanos / 1e6);
                    }
                    long wallNanos = System.nanoTime() - wallBefore;
                    double cpuMs = (peer.cpuNanos() - cpuBefore) / 1e6 / SKEWED_SWEEPS;
                    describeSkewedRun(
                            kind + " run " + (round + 1),
                            peer,
                            wallNanos,
                            monitorThreadsBefore,
                            ThreadCpu.read(peer.server.pid()),
                            simThreadsBefore,
                            ThreadCpu.read(peer.sim.pid()));
                    String[] moved = peer.send("BALANCE").split(" ");
                    balance.merge(
                            kind,
                            "run " + (round + 1) + " (start " + start + "): "
                                    + (Long.parseLong(moved[1]) - Long.parseLong(balanceBefore[1])) + " migrated, "
                                    + (Long.parseLong(moved[2]) - Long.parseLong(balanceBefore[2])) + " shared",
                            (a, b) -> a + "; " + b);
                    last.put(
                            kind,
                            new Row(
                                    kind,
                                    SKEWED_GATEWAYS,
                                    0,
                                    0,
                                    cpuMs,
                                    Integer.parseInt(peer.send("THREADS").split(" ")[1]),
                                    peer.rssMb(),
                                    peer.connectNanos / 1e9,
                                    peer.connectCpuNanos / 1e6 / SKEWED_GATEWAYS,
                                    "",
                                    loadAverage1m(),
                                    ""));
                }
                System.err.println("  skewed " + kind + " run " + (round + 1) + " done, load " + loadAverage());
            }
        }
        return new Skewed(
                skew,
                summarise(last.get("sluice-count"), samples.get("sluice-count"), balance.get("sluice-count")),
                summarise(last.get("sluice"), samples.get("sluice"), balance.get("sluice")),
                percentile(samples.get("sluice-count"), 0.9),
                percentile(samples.get("sluice"), 0.9));
    }

    /**
     * Where a skewed run's measured sweeps spent their time, on standard error: each thread's CPU per sweep in the
     * monitor and in the simulator, both processes' CPU against the two-core ceiling (cores x wall time), and how many
     * heavy gateways each pair serves.
     */
    private void describeSkewedRun(
            String run,
            Peer peer,
            long wallNanos,
            Map<String, Long> monitorBefore,
            Map<String, Long> monitorAfter,
            Map<String, Long> simBefore,
            Map<String, Long> simAfter)
            throws IOException {
        double wallMs = wallNanos / 1e6 / SKEWED_SWEEPS;
        double monitorMs = ThreadCpu.total(monitorBefore, monitorAfter) / 1e6 / SKEWED_SWEEPS;
        double simMs = ThreadCpu.total(simBefore, simAfter) / 1e6 / SKEWED_SWEEPS;
        int cores = Runtime.getRuntime().availableProcessors();
        System.err.printf(
                Locale.ROOT,
                "  skewed %s: per sweep %.1f ms wall; CPU monitor %.1f + simulator %.1f = %.1f ms of %d x %.1f;"
                        + " heavy gateways per pair: %s; load %s%n"
                        + "    monitor threads (ms/sweep): %s%n    simulator threads (ms/sweep): %s%n",
                run,
                wallMs,
                monitorMs,
                simMs,
                monitorMs + simMs,
                cores,
                wallMs,
                peer.send("PLACEMENT " + heavyGatewayIds(skew)).substring("PLACEMENT ".length()),
                loadAverage1m(),
                ThreadCpu.delta(monitorBefore, monitorAfter, SKEWED_SWEEPS, 0.1),
                ThreadCpu.delta(simBefore, simAfter, SKEWED_SWEEPS, 0.1));
    }

    /**
     * Starts a run from the placement that counting sessions gives a fleet arriving in order (every hundredth gateway,
     * so every heavy one, at an even place): all heavy gateways on pair 0, the pairs' session counts still within the
     * count balancing's tolerance. Both balancings start from it; the gateways connect in parallel and in no fixed
     * order, so left as connected they split between the pairs by chance (10:10 and 11:9 in the runs of 2026-12-07).
     * Waits (5 s at most) until the monitor has moved them, and returns the placement reached.
     */
    private static String heavyOnOnePair(Peer peer, String skew) throws Exception {
        String ids = heavyGatewayIds(skew);
        peer.send("MOVE 0 " + ids);
        String heavy = skew.substring(0, skew.indexOf(':'));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String placement = peer.send("PLACEMENT " + ids).substring("PLACEMENT ".length());
        while (!placement.startsWith(heavy + " ") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            placement = peer.send("PLACEMENT " + ids).substring("PLACEMENT ".length());
        }
        return placement.replace(' ', ':');
    }

    /** The heavy gateways' ids: the simulator's every (gateways / heavy)-th from the first, ids from 1. */
    private static String heavyGatewayIds(String skew) {
        int heavy = Integer.parseInt(skew.substring(0, skew.indexOf(':')));
        int stride = SKEWED_GATEWAYS / heavy;
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < heavy; i++) {
            ids.append(i == 0 ? "" : " ").append(1 + (long) i * stride);
        }
        return ids.toString();
    }

    private static double percentile(List<Double> samples, double p) {
        double[] ms = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return ms[(int) Math.ceil(ms.length * p) - 1];
    }

    private static Row summarise(Row row, List<Double> samples, String balance) {
        return new Row(
                row.kind(),
                row.gateways(),
                percentile(samples, 0.5),
                percentile(samples, 0.99),
                row.cpuMsPerSweep(),
                row.threads(),
                row.rssMb(),
                row.connectSeconds(),
                row.connectCpuMsPerGateway(),
                "",
                row.load(),
                balance);
    }

    /**
     * The skewed fleet (its heavy:volumes) and its two rows, balanced by count alone and by load with work sharing, and
     * their 90th percentiles.
     */
    record Skewed(String skew, Row count, Row load, double countP90Ms, double loadP90Ms) {
        void into(Map<String, Object> json) {
            json.put("skewed_gateways", SKEWED_GATEWAYS);
            json.put("skewed_heavy", skew);
            json.put("skewed_sweep_p50_ms", round(load.p50Ms()));
            json.put("skewed_sweep_p99_ms", round(load.p99Ms()));
            json.put("skewed_sweep_p50_vs_count_balanced", round(load.p50Ms() / count.p50Ms()));
            json.put("skewed_sweep_p90_vs_count_balanced", round(loadP90Ms / countP90Ms));
            json.put("skewed_sweep_p99_vs_count_balanced", round(load.p99Ms() / count.p99Ms()));
        }
    }

    private static void deleteSecretAndPki(Path secret) throws IOException {
        Files.deleteIfExists(secret);
        Path pki = secret.resolveSibling(secret.getFileName() + "-pki");
        if (Files.exists(pki)) {
            try (var files = Files.walk(pki)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    /** {@code --tls-pair}: plaintext then TLS at each size, the fleet arriving in a burst. */
    private Integer tlsPairs(Path secret) throws Exception {
        int sweeps = 5;
        List<Row> rows = new ArrayList<>();
        try {
            for (int n : tlsPairSizes) {
                for (String kind : List.of("sluice", "sluice-tls")) {
                    try {
                        rows.add(run(kind, n, BURST_RAMP_MILLIS, sweeps, secret));
                    } catch (Exception e) {
                        rows.add(Row.failed(kind, n, e));
                    }
                    System.err.println("  " + rows.getLast() + "  load " + loadAverage());
                }
            }
        } finally {
            deleteSecretAndPki(secret);
        }
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (tls pair): gateways arriving within %d ms, %d sweeps each, %d cores, "
                        + "handshake bound %s, connects in flight %s%n",
                BURST_RAMP_MILLIS,
                sweeps,
                Runtime.getRuntime().availableProcessors(),
                handshakeBound > 0 ? handshakeBound : "default",
                connectsInFlight > 0 ? connectsInFlight : "default");
        printHeader();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "monitor");
        json.put("mode", "tls-pair");
        for (Row r : rows) {
            printRow(r);
            String key = (r.kind().equals("sluice") ? "plain" : "tls") + "_"
                    + (r.gateways() % 1000 == 0 ? r.gateways() / 1000 + "k" : Integer.toString(r.gateways()));
            json.put(key + "_connect_s", round(r.connectSeconds()));
            json.put(key + "_sweep_p50_ms", round(r.p50Ms()));
            json.put(key + "_connect_cpu_ms_per_gateway", round(r.connectCpuMsPerGateway()));
        }
        System.out.println();
        System.out.println(JsonLine.of(json));
        return 0;
    }

    /** {@code --sweep-pair}: Sluice then Netty at 10k and at 19k, as the quick run measures them. */
    private Integer sweepPair(Path secret) throws Exception {
        int sweeps = 5;
        List<Row> rows = new ArrayList<>();
        try {
            for (int n : List.of(10_000, LARGEST)) {
                for (String kind : QUICK_LARGEST_KINDS) {
                    try {
                        rows.add(run(kind, n, Math.max(1_000, n / 4), sweeps, secret));
                    } catch (Exception e) {
                        rows.add(Row.failed(kind, n, e));
                    }
                    System.err.println("  " + rows.getLast() + "  load " + loadAverage());
                }
            }
        } finally {
            deleteSecretAndPki(secret);
        }
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (sweep pair): %d sweeps each, %d cores%n",
                sweeps,
                Runtime.getRuntime().availableProcessors());
        printHeader();
        rows.forEach(MonitorBenchmark::printRow);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "monitor");
        json.put("mode", "sweep-pair");
        json.put("sweep_p50_ms_10k", round(find(rows, "sluice", 10_000).p50Ms()));
        json.put(
                "sweep_vs_netty_10k",
                round(find(rows, "sluice", 10_000).p50Ms()
                        / find(rows, "netty", 10_000).p50Ms()));
        json.put("sweep_p50_ms_19k", round(find(rows, "sluice", LARGEST).p50Ms()));
        json.put(
                "sweep_vs_netty_19k",
                round(find(rows, "sluice", LARGEST).p50Ms()
                        / find(rows, "netty", LARGEST).p50Ms()));
        json.put("cpu_ms_per_sweep_10k", round(find(rows, "sluice", 10_000).cpuMsPerSweep()));
        json.put(
                "cpu_vs_netty_10k",
                round(find(rows, "sluice", 10_000).cpuMsPerSweep()
                        / find(rows, "netty", 10_000).cpuMsPerSweep()));
        System.out.println();
        System.out.println(JsonLine.of(json));
        return 0;
    }

    /** The 1-minute load average, as the rows print it: the machine is shared, and ratios move with it. */
    private static String loadAverage1m() {
        return loadAverage().split(" ")[0];
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Polling cost grows linearly with n; the quick run measures at 10k and scales. */
    private int coreFractionGateways() {
        return quick ? 10_000 : LARGEST;
    }

    private Row run(String kind, int n, int rampUpMillis, int sweeps, Path secret) throws Exception {
        Path jfr = monitorJfr != null && kind.startsWith("sluice") ? monitorJfr.resolve(kind + "-" + n + ".jfr") : null;
        try (Peer peer =
                new Peer(kind, n, 3_600_000, rampUpMillis, secret, handshakeBound, connectsInFlight, jfr, List.of())) {
            peer.send("SWEEP");
            peer.send("SWEEP");
            long cpuBefore = peer.cpuNanos();
            long[] callsBefore = peer.reportCalls();
            double[] ms = new double[sweeps];
            int failed = 0;
            for (int i = 0; i < sweeps; i++) {
                long nanos = Long.parseLong(peer.send("SWEEP").split(" ")[1]);
                if (nanos < 0) {
                    failed++;
                    nanos = TimeUnit.SECONDS.toNanos(30);
                }
                ms[i] = nanos / 1e6;
            }
            double cpuMs = (peer.cpuNanos() - cpuBefore) / 1e6 / sweeps;
            long[] callsAfter = peer.reportCalls();
            // Sluice hands the reports to the services' mailbox in batches: how many a call carried in these sweeps.
            String perCall = callsAfter[1] > callsBefore[1]
                    ? String.format(
                            Locale.ROOT,
                            "%.1f reports/call",
                            (double) (callsAfter[0] - callsBefore[0]) / (callsAfter[1] - callsBefore[1]))
                    : "";
            Arrays.sort(ms);
            int threads = Integer.parseInt(peer.send("THREADS").split(" ")[1]);
            String handshakes = peer.send("HANDSHAKES").substring("HANDSHAKES ".length());
            return new Row(
                    kind,
                    n,
                    ms[ms.length / 2],
                    ms[(int) Math.ceil(ms.length * 0.99) - 1],
                    cpuMs,
                    threads,
                    peer.rssMb(),
                    peer.connectNanos / 1e9,
                    peer.connectCpuNanos / 1e6 / n,
                    handshakes.startsWith("-1") ? "" : handshakes,
                    loadAverage1m(),
                    String.join("  ", perCall, failed > 0 ? failed + " sweeps timed out" : "")
                            .strip());
        }
    }

    /** A monitor child JVM with a simulator child JVM connected to it. */
    private static final class Peer implements AutoCloseable {
        final Process server;
        final Process sim;
        final AutoCloseable services;
        final BufferedReader out;
        final PrintWriter in;
        final long connectNanos;
        /** The monitor's CPU from its start until every gateway had a session: handshakes, mostly. */
        final long connectCpuNanos;

        Peer(String kind, int gateways, long pollIntervalMillis, int rampUpMillis, Path secret) throws Exception {
            this(kind, gateways, pollIntervalMillis, rampUpMillis, secret, 0, 0, null, List.of());
        }

        /**
         * {@code handshakeBound}, {@code connectsInFlight}: 0 leaves the monitor's and the simulator's defaults;
         * {@code jfr}: where the monitor JVM records a JFR profile, or null for none; {@code simOptions}: more options
         * for the simulator (a skewed fleet).
         */
        Peer(
                String kind,
                int gateways,
                long pollIntervalMillis,
                int rampUpMillis,
                Path secret,
                int handshakeBound,
                int connectsInFlight,
                Path jfr,
                List<String> simOptions)
                throws Exception {
            // sluice-tls: the monitor and the simulator share a CA next to the secret; the simulator issues its
            // gateways'.
            Path pki = secret.resolveSibling(secret.getFileName() + "-pki");
            boolean tls = kind.equals("sluice-tls");
            if (tls && !Files.exists(pki.resolve(CertificateAuthority.KEY_FILE))) {
                CertificateAuthority.create(pki, "Sluice bench CA", EpochClock.system());
            }
            server = java(
                            jfr == null
                                    ? List.of()
                                    : List.of(
                                            "-Xlog:jfr+startup=off",
                                            "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile"),
                            BenchServerMain.class.getName(),
                            kind,
                            secret.toString(),
                            Integer.toString(gateways),
                            Long.toString(pollIntervalMillis),
                            pki.toString(),
                            Integer.toString(handshakeBound))
                    .start();
            out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(server.getOutputStream(), true, StandardCharsets.UTF_8);
            String[] started = String.valueOf(out.readLine()).split(" ");
            if (!started[0].equals("PORT")) {
                throw new IOException(kind + " server did not start: " + String.join(" ", started));
            }
            String port = started[1];
            // The services run in a process of their own, as in the SLA server: here, the benchmark's.
            services = started.length > 3 ? BenchServices.standIn(Path.of(started[3])) : null;
            Process simProcess = null;
            try {
                List<String> simArgs = new ArrayList<>(List.of(
                        "--monitor",
                        "127.0.0.1:" + port,
                        "--secret-file",
                        secret.toString(),
                        "--gateways",
                        Integer.toString(gateways),
                        "--volumes-per-gateway",
                        "1",
                        // Connects spread over a few seconds, the same for every monitor, so no accept backlog
                        // overflows.
                        "--ramp-up-ms",
                        Integer.toString(rampUpMillis),
                        "--summary-interval",
                        "3600"));
                if (tls) {
                    simArgs.addAll(List.of("--pki-dir", pki.toString()));
                }
                if (connectsInFlight > 0) {
                    simArgs.addAll(List.of("--connects-in-flight", Integer.toString(connectsInFlight)));
                }
                simArgs.addAll(simOptions);
                long simStart = System.nanoTime();
                simProcess = java(List.of(), "io.sluice.sim.SimMain", simArgs.toArray(String[]::new))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                // Full TLS handshakes go through at about a hundred a second on two shared cores: a big fleet needs
                // longer.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(tls ? Math.max(120, gateways / 25) : 120);
                while (Integer.parseInt(send("SESSIONS").split(" ")[1]) < gateways) {
                    if (System.nanoTime() > deadline || !simProcess.isAlive()) {
                        throw new IOException(
                                kind + ": only " + send("SESSIONS") + " of " + gateways + " gateways connected");
                    }
                    Thread.sleep(200);
                }
                connectNanos = System.nanoTime() - simStart;
                connectCpuNanos = cpuNanos();
            } catch (Exception e) {
                shutDown(simProcess);
                throw e;
            }
            sim = simProcess;
        }

        private static ProcessBuilder java(List<String> jvmOptions, String main, String... args) {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-Xmx2g",
                    "-Xss512k"));
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
            cmd.addAll(List.of(args));
            return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        }

        String send(String command) throws IOException {
            in.println(command);
            String answer = out.readLine();
            // The monitor JVM logs to the same standard output (logfmt lines): passed on, not taken for the answer.
            while (answer != null && answer.startsWith("ts=")) {
                System.err.println("  monitor: " + answer);
                answer = out.readLine();
            }
            if (answer == null) {
                throw new IOException("monitor exited during " + command);
            }
            return answer;
        }

        /**
         * {reports handed to the services, batch calls that carried them}; -1s for the peers, which hand nothing on.
         */
        long[] reportCalls() throws IOException {
            String[] words = send("CALLS").split(" ");
            return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])};
        }

        long cpuNanos() {
            return server.toHandle()
                    .info()
                    .totalCpuDuration()
                    .map(Duration::toNanos)
                    .orElse(0L);
        }

        long rssMb() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(server.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
            return -1;
        }

        long[] throttle(int count, int concurrent, int gateways) throws IOException {
            String[] words = send("THROTTLE " + count + " " + concurrent + " " + gateways)
                    .split(" ");
            return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])};
        }

        /** CPU cores the monitor uses while polling every gateway once per second. */
        double coreFraction(long millis) throws Exception {
            Thread.sleep(2_000);
            long cpu = cpuNanos();
            long start = System.nanoTime();
            Thread.sleep(millis);
            return (double) (cpuNanos() - cpu) / (System.nanoTime() - start);
        }

        @Override
        public void close() throws Exception {
            shutDown(sim);
        }

        /**
         * QUIT first, so the server closes its monitor and removes its mailboxes from /dev/shm (a kill would leave them
         * there), then whatever still runs is killed.
         */
        private void shutDown(Process simProcess) throws Exception {
            try {
                in.println("QUIT");
            } finally {
                if (simProcess != null) {
                    simProcess.destroy();
                }
                server.waitFor(10, TimeUnit.SECONDS);
                server.destroyForcibly();
                if (simProcess != null) {
                    simProcess.waitFor(10, TimeUnit.SECONDS);
                    simProcess.destroyForcibly();
                }
                if (services != null) {
                    services.close();
                }
            }
        }
    }

    private void print(
            List<Row> rows, List<Row> pair, long[] throttle, double coreFraction, int sweeps, Skewed skewed) {
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (%s): poll sweeps over loopback, simulated gateways, %d sweeps each, %d cores%n",
                quick ? "quick" : "full",
                sweeps,
                Runtime.getRuntime().availableProcessors());
        printHeader();
        for (Row r : rows) {
            printRow(r);
        }
        System.out.printf(
                Locale.ROOT, "plaintext vs TLS (gateways connecting %d ms apart):%n", TLS_RAMP_MILLIS_PER_GATEWAY);
        for (Row r : pair) {
            printRow(r);
        }
        System.out.printf(
                Locale.ROOT,
                "skewed fleet (%s heavy:volumes), balanced by count alone, then by load with work sharing:%n",
                skewed.skew());
        printRow(skewed.count());
        printRow(skewed.load());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "monitor");
        json.put("mode", quick ? "quick" : "full");
        Row sluice = find(rows, "sluice", 10_000);
        json.put("sweep_p50_ms_10k", round(sluice.p50Ms()));
        json.put("sweep_p99_ms_10k", round(sluice.p99Ms()));
        json.put(
                "sweep_vs_netty_10k",
                round(sluice.p50Ms() / find(rows, "netty", 10_000).p50Ms()));
        json.put(
                "sweep_vs_platform_10k",
                round(sluice.p50Ms() / find(rows, "platform", 10_000).p50Ms()));
        json.put(
                "sweep_vs_virtual_10k",
                round(sluice.p50Ms() / find(rows, "virtual", 10_000).p50Ms()));
        Row sluiceLargest = find(rows, "sluice", LARGEST);
        json.put("sweep_p50_ms_19k", round(sluiceLargest.p50Ms()));
        json.put(
                "sweep_vs_netty_19k",
                round(sluiceLargest.p50Ms() / find(rows, "netty", LARGEST).p50Ms()));
        json.put("cpu_ms_per_sweep_10k", round(sluice.cpuMsPerSweep()));
        json.put(
                "cpu_vs_netty_10k",
                round(sluice.cpuMsPerSweep() / find(rows, "netty", 10_000).cpuMsPerSweep()));
        Row plain = pair.get(0);
        Row tls = pair.get(1);
        json.put("tls_pair_gateways", TLS_GATEWAYS);
        json.put("tls_sweep_p50_vs_plain", round(tls.p50Ms() / plain.p50Ms()));
        json.put("tls_sweep_p99_vs_plain", round(tls.p99Ms() / plain.p99Ms()));
        json.put("tls_cpu_vs_plain", round(tls.cpuMsPerSweep() / plain.cpuMsPerSweep()));
        json.put("tls_connect_s", round(tls.connectSeconds()));
        json.put("plain_connect_s", round(plain.connectSeconds()));
        json.put("threads_10k", sluice.threads());
        json.put("platform_threads_10k", find(rows, "platform", 10_000).threads());
        json.put("rss_mb_10k", sluice.rssMb());
        json.put(
                "rss_mb_vs_netty_10k",
                round((double) sluice.rssMb() / find(rows, "netty", 10_000).rssMb()));
        json.put("daemon_core_fraction_20k", round(coreFraction * 20_000 / coreFractionGateways()));
        json.put("daemon_core_fraction_measured_at", coreFractionGateways());
        json.put("daemon_core_fraction_measured", round(coreFraction));
        json.put("throttle_p50_ms_10k", round(throttle[0] / 1e6));
        json.put("throttle_p99_ms_10k", round(throttle[1] / 1e6));
        skewed.into(json);
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    private static void printHeader() {
        System.out.printf(
                Locale.ROOT,
                "%-10s %8s %10s %10s %12s %8s %8s %9s %11s %6s  %s%n",
                "monitor",
                "gateways",
                "sweep p50",
                "p99",
                "cpu/sweep",
                "threads",
                "rss",
                "connect",
                "connect cpu",
                "load",
                "handshakes: peak, at bound, timed out");
        System.out.printf(
                Locale.ROOT,
                "%-10s %8s %10s %10s %12s %8s %8s %9s %11s %6s%n",
                "",
                "",
                "ms",
                "ms",
                "ms",
                "",
                "MiB",
                "s",
                "ms/gateway",
                "1 min");
    }

    private static void printRow(Row r) {
        System.out.printf(
                Locale.ROOT,
                "%-10s %8d %10.2f %10.2f %12.2f %8d %8d %9.1f %11.2f %6s  %s%s%n",
                r.kind(),
                r.gateways(),
                r.p50Ms(),
                r.p99Ms(),
                r.cpuMsPerSweep(),
                r.threads(),
                r.rssMb(),
                r.connectSeconds(),
                r.connectCpuMsPerGateway(),
                r.load(),
                r.handshakes(),
                r.note().isEmpty() ? "" : "  " + r.note());
    }

    private static Row find(List<Row> rows, String kind, int gateways) {
        return rows.stream()
                .filter(r -> r.kind().equals(kind) && r.gateways() == gateways)
                .findFirst()
                .orElseThrow();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
