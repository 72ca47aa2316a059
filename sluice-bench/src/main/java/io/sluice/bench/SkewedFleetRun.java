package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link MonitorBenchmark}'s skewed fleet: {@value #GATEWAYS} gateways, of which every hundredth (20) serves 400
 * volumes and the others one, so the heavy gateways bring about four fifths of a sweep's volume records. Counting
 * sessions spreads the gateways, not the work; arriving in order, the heavy ones may well land on one pair.
 */
final class SkewedFleetRun {
    static final int GATEWAYS = 2_000;

    static final String DEFAULT_SKEW = "20:400";

    /** Sweeps before measuring: time for the monitor to measure its gateways' costs and rebalance (every 2 s). */
    static final long WARMUP_MILLIS = 7_000;
    /** Per run: with two runs a kind, its p99 is the third slowest of 200 sweeps, not the one slowest. */
    static final int SWEEPS = 100;

    private final String skew;
    private final boolean asConnected;

    /**
     * @param skew the heavy gateways and their volumes, as {@code H:V}
     * @param asConnected leave the heavy gateways where the monitor placed them as they connected, instead of starting
     *     both balancings with all of them on one pair
     */
    SkewedFleetRun(String skew, boolean asConnected) {
        this.skew = skew;
        this.asConnected = asConnected;
    }

    /**
     * The skewed fleet under both balancings, in turn (count, load, count, load) so a change in the machine's load
     * weighs on both; each kind's sweeps of its two runs together.
     */
    Result run(Path secret) throws Exception {
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        Map<String, MonitorRow> last = new LinkedHashMap<>();
        Map<String, String> balance = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            for (String kind : List.of("sluice-count", "sluice")) {
                try (MonitorProcesses peer = new MonitorProcesses(
                        kind,
                        GATEWAYS,
                        3_600_000,
                        1_000,
                        secret,
                        0,
                        0,
                        null,
                        List.of("--skew", skew, "--volume-ids", "distinct"))) {
                    String start = asConnected ? "as connected" : heavyOnOnePair(peer, skew);
                    String[] balanceBefore = peer.send("BALANCE").split(" ");
                    long warmUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WARMUP_MILLIS);
                    while (System.nanoTime() < warmUntil) {
                        peer.send("SWEEP");
                    }
                    long cpuBefore = peer.cpuNanos();
                    Map<String, Long> monitorThreadsBefore = ThreadCpu.read(peer.server.pid());
                    Map<String, Long> simThreadsBefore = ThreadCpu.read(peer.sim.pid());
                    long wallBefore = System.nanoTime();
                    for (int i = 0; i < SWEEPS; i++) {
                        long nanos = Long.parseLong(peer.send("SWEEP").split(" ")[1]);
                        samples.computeIfAbsent(kind, k -> new ArrayList<>()).add(nanos < 0 ? 30_000.0 : nanos / 1e6);
                    }
                    long wallNanos = System.nanoTime() - wallBefore;
                    double cpuMs = (peer.cpuNanos() - cpuBefore) / 1e6 / SWEEPS;
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
                            new MonitorRow(
                                    kind,
                                    GATEWAYS,
                                    0,
                                    0,
                                    cpuMs,
                                    Integer.parseInt(peer.send("THREADS").split(" ")[1]),
                                    peer.rssMb(),
                                    peer.connectNanos / 1e9,
                                    peer.connectCpuNanos / 1e6 / GATEWAYS,
                                    "",
                                    LoadAverage.oneMinute(),
                                    ""));
                }
                System.err.println("  skewed " + kind + " run " + (round + 1) + " done, load " + LoadAverage.all());
            }
        }
        return new Result(
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
            MonitorProcesses peer,
            long wallNanos,
            Map<String, Long> monitorBefore,
            Map<String, Long> monitorAfter,
            Map<String, Long> simBefore,
            Map<String, Long> simAfter)
            throws IOException {
        double wallMs = wallNanos / 1e6 / SWEEPS;
        double monitorMs = ThreadCpu.total(monitorBefore, monitorAfter) / 1e6 / SWEEPS;
        double simMs = ThreadCpu.total(simBefore, simAfter) / 1e6 / SWEEPS;
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
                LoadAverage.oneMinute(),
                ThreadCpu.delta(monitorBefore, monitorAfter, SWEEPS, 0.1),
                ThreadCpu.delta(simBefore, simAfter, SWEEPS, 0.1));
    }

    /**
     * Starts a run from the placement that counting sessions gives a fleet arriving in order (every hundredth gateway,
     * so every heavy one, at an even place): all heavy gateways on pair 0, the pairs' session counts still within the
     * count balancing's tolerance. Both balancings start from it; the gateways connect in parallel and in no fixed
     * order, so left as connected they split between the pairs by chance (10:10 and 11:9 in the runs of 2026-12-07).
     * Waits (5 s at most) until the monitor has moved them, and returns the placement reached.
     */
    private static String heavyOnOnePair(MonitorProcesses peer, String skew) throws Exception {
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
        int stride = GATEWAYS / heavy;
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

    private static MonitorRow summarise(MonitorRow row, List<Double> samples, String balance) {
        return new MonitorRow(
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
    record Result(String skew, MonitorRow count, MonitorRow load, double countP90Ms, double loadP90Ms) {
        void into(Map<String, Object> json) {
            json.put("skewed_gateways", GATEWAYS);
            json.put("skewed_heavy", skew);
            json.put("skewed_sweep_p50_ms", MonitorReport.round(load.p50Ms()));
            json.put("skewed_sweep_p99_ms", MonitorReport.round(load.p99Ms()));
            json.put("skewed_sweep_p50_vs_count_balanced", MonitorReport.round(load.p50Ms() / count.p50Ms()));
            json.put("skewed_sweep_p90_vs_count_balanced", MonitorReport.round(loadP90Ms / countP90Ms));
            json.put("skewed_sweep_p99_vs_count_balanced", MonitorReport.round(load.p99Ms() / count.p99Ms()));
        }
    }
}
