package io.sluice.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link MonitorBenchmark} prints on standard output: a table of rows, then the one JSON line the benchmark
 * records keep.
 */
final class MonitorReport {
    private MonitorReport() {}

    /**
     * The full or quick run: every row, then the JSON line.
     *
     * @param coreFractionGateways the fleet size {@code coreFraction} was measured at
     */
    static void printRun(
            boolean quick,
            List<MonitorRow> rows,
            List<MonitorRow> pair,
            long[] throttle,
            double coreFraction,
            int coreFractionGateways,
            int sweeps,
            SkewedFleetRun.Result skewed) {
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (%s): poll sweeps over loopback, simulated gateways, %d sweeps each, %d cores%n",
                quick ? "quick" : "full",
                sweeps,
                Runtime.getRuntime().availableProcessors());
        printHeader();
        for (MonitorRow r : rows) {
            printRow(r);
        }
        System.out.printf(
                Locale.ROOT,
                "plaintext vs TLS (gateways connecting %d ms apart):%n",
                MonitorBenchmark.TLS_RAMP_MILLIS_PER_GATEWAY);
        for (MonitorRow r : pair) {
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
        MonitorRow sluice = find(rows, "sluice", 10_000);
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
        MonitorRow sluiceLargest = find(rows, "sluice", MonitorBenchmark.LARGEST);
        json.put("sweep_p50_ms_19k", round(sluiceLargest.p50Ms()));
        json.put(
                "sweep_vs_netty_19k",
                round(sluiceLargest.p50Ms()
                        / find(rows, "netty", MonitorBenchmark.LARGEST).p50Ms()));
        json.put("cpu_ms_per_sweep_10k", round(sluice.cpuMsPerSweep()));
        json.put(
                "cpu_vs_netty_10k",
                round(sluice.cpuMsPerSweep() / find(rows, "netty", 10_000).cpuMsPerSweep()));
        MonitorRow plain = pair.get(0);
        MonitorRow tls = pair.get(1);
        json.put("tls_pair_gateways", MonitorBenchmark.TLS_GATEWAYS);
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
        json.put("daemon_core_fraction_20k", round(coreFraction * 20_000 / coreFractionGateways));
        json.put("daemon_core_fraction_measured_at", coreFractionGateways);
        json.put("daemon_core_fraction_measured", round(coreFraction));
        json.put("throttle_p50_ms_10k", round(throttle[0] / 1e6));
        json.put("throttle_p99_ms_10k", round(throttle[1] / 1e6));
        skewed.into(json);
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    /** {@code --tls-pair}: plaintext then TLS at each size. */
    static void printTlsPair(List<MonitorRow> rows, int sweeps, int handshakeBound, int connectsInFlight) {
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (tls pair): gateways arriving within %d ms, %d sweeps each, %d cores, "
                        + "handshake bound %s, connects in flight %s%n",
                MonitorBenchmark.BURST_RAMP_MILLIS,
                sweeps,
                Runtime.getRuntime().availableProcessors(),
                handshakeBound > 0 ? handshakeBound : "default",
                connectsInFlight > 0 ? connectsInFlight : "default");
        printHeader();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "monitor");
        json.put("mode", "tls-pair");
        for (MonitorRow r : rows) {
            printRow(r);
            String key = (r.kind().equals("sluice") ? "plain" : "tls") + "_"
                    + (r.gateways() % 1000 == 0 ? r.gateways() / 1000 + "k" : Integer.toString(r.gateways()));
            json.put(key + "_connect_s", round(r.connectSeconds()));
            json.put(key + "_sweep_p50_ms", round(r.p50Ms()));
            json.put(key + "_connect_cpu_ms_per_gateway", round(r.connectCpuMsPerGateway()));
        }
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    /** {@code --sweep-pair}: Sluice then Netty at 10k and at 19k. */
    static void printSweepPair(List<MonitorRow> rows, int sweeps) {
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (sweep pair): %d sweeps each, %d cores%n",
                sweeps,
                Runtime.getRuntime().availableProcessors());
        printHeader();
        rows.forEach(MonitorReport::printRow);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "monitor");
        json.put("mode", "sweep-pair");
        json.put("sweep_p50_ms_10k", round(find(rows, "sluice", 10_000).p50Ms()));
        json.put(
                "sweep_vs_netty_10k",
                round(find(rows, "sluice", 10_000).p50Ms()
                        / find(rows, "netty", 10_000).p50Ms()));
        json.put(
                "sweep_p50_ms_19k",
                round(find(rows, "sluice", MonitorBenchmark.LARGEST).p50Ms()));
        json.put(
                "sweep_vs_netty_19k",
                round(find(rows, "sluice", MonitorBenchmark.LARGEST).p50Ms()
                        / find(rows, "netty", MonitorBenchmark.LARGEST).p50Ms()));
        json.put("cpu_ms_per_sweep_10k", round(find(rows, "sluice", 10_000).cpuMsPerSweep()));
        json.put(
                "cpu_vs_netty_10k",
                round(find(rows, "sluice", 10_000).cpuMsPerSweep()
                        / find(rows, "netty", 10_000).cpuMsPerSweep()));
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    /** {@code --skewed}: the skewed fleet alone. */
    static void printSkewed(SkewedFleetRun.Result skewed) {
        System.out.printf(
                Locale.ROOT,
                "%nmonitor benchmark (skewed): %d gateways (%s heavy:volumes), %d sweeps each "
                        + "after %d ms of warm-up sweeps, twice in turn, %d cores, load %s%n",
                SkewedFleetRun.GATEWAYS,
                skewed.skew(),
                SkewedFleetRun.SWEEPS,
                SkewedFleetRun.WARMUP_MILLIS,
                Runtime.getRuntime().availableProcessors(),
                LoadAverage.all());
        printHeader();
        printRow(skewed.count());
        printRow(skewed.load());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "monitor");
        json.put("mode", "skewed");
        skewed.into(json);
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    static void printHeader() {
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

    static void printRow(MonitorRow r) {
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

    static MonitorRow find(List<MonitorRow> rows, String kind, int gateways) {
        return rows.stream()
                .filter(r -> r.kind().equals(kind) && r.gateways() == gateways)
                .findFirst()
                .orElseThrow();
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
