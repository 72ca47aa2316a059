package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
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
    static final int LARGEST = 19_000;

    private static final List<String> KINDS = List.of("sluice", "netty", "platform", "virtual");
    /**
     * The plaintext and TLS pair runs at this many gateways, connecting over {@link #TLS_RAMP_MILLIS_PER_GATEWAY} each:
     * full TLS handshakes (ECDHE, a signature and a certificate chain checked on both sides) get through about a
     * hundred a second on two shared cores, so 10,000 would take minutes to connect, and faster arrivals only pile up
     * handshakes that all advance together and time out together.
     */
    static final int TLS_GATEWAYS = 1_000;

    static final int TLS_RAMP_MILLIS_PER_GATEWAY = 10;

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
            description =
                    "only the skewed fleet (" + SkewedFleetRun.GATEWAYS + " gateways, " + SkewedFleetRun.DEFAULT_SKEW
                            + " heavy:volumes), balanced by load with work sharing and by count alone, twice each in turn")
    boolean skewedOnly;

    @Option(
            names = "--skewed-as-connected",
            description = "with --skewed (or the full or quick run): leave the heavy gateways where the monitor placed "
                    + "them as they connected, instead of starting both balancings with all of them on one pair")
    boolean skewedAsConnected;

    @Option(
            names = "--skew",
            paramLabel = "H:V",
            description =
                    "the skewed fleet's heavy gateways and their volumes (default " + SkewedFleetRun.DEFAULT_SKEW + ")")
    String skew = SkewedFleetRun.DEFAULT_SKEW;

    /** How fast the fleet arrives in {@code --tls-pair} runs: all at once, as after a monitor restart. */
    static final int BURST_RAMP_MILLIS = 2_500;

    @Override
    public Integer call() throws Exception {
        Path secret = Files.createTempFile("sluice-bench-secret", "");
        Files.writeString(secret, "monitor-benchmark-deployment-secret-0123456789");
        MonitorSweepRunner runner = new MonitorSweepRunner(handshakeBound, connectsInFlight, monitorJfr);
        if (tlsPairSizes != null) {
            return tlsPairs(secret, runner);
        }
        if (sweepPair) {
            return sweepPair(secret, runner);
        }
        if (skewedOnly) {
            try {
                MonitorReport.printSkewed(new SkewedFleetRun(skew, skewedAsConnected).run(secret));
            } finally {
                deleteSecretAndPki(secret);
            }
            return 0;
        }
        List<Integer> sizes = quick ? List.of(10_000, LARGEST) : List.of(1_000, 5_000, 10_000, LARGEST);
        int sweeps = quick ? 5 : 20;
        List<MonitorRow> rows = new ArrayList<>();
        List<MonitorRow> pair = new ArrayList<>();
        long[] throttle = null;
        double coreFraction = Double.NaN;
        SkewedFleetRun.Result skewed;
        try {
            for (int n : sizes) {
                for (String kind : quick && n == LARGEST ? QUICK_LARGEST_KINDS : KINDS) {
                    try {
                        rows.add(runner.run(kind, n, Math.max(1_000, n / 4), sweeps, secret));
                    } catch (Exception e) {
                        rows.add(MonitorRow.failed(kind, n, e));
                    }
                    System.err.println("  " + rows.getLast());
                }
            }
            for (String kind : List.of("sluice", "sluice-tls")) {
                try {
                    pair.add(
                            runner.run(kind, TLS_GATEWAYS, TLS_GATEWAYS * TLS_RAMP_MILLIS_PER_GATEWAY, sweeps, secret));
                } catch (Exception e) {
                    pair.add(MonitorRow.failed(kind, TLS_GATEWAYS, e));
                }
                System.err.println("  " + pair.getLast());
            }
            try (MonitorProcesses sluice = new MonitorProcesses("sluice", 10_000, 3_600_000, 2_500, secret)) {
                throttle = sluice.throttle(quick ? 500 : 2_000, 16, 10_000);
            }
            try (MonitorProcesses sluice = new MonitorProcesses(
                    "sluice", coreFractionGateways(), 1_000, Math.max(1_000, coreFractionGateways() / 4), secret)) {
                coreFraction = sluice.coreFraction(quick ? 3_000 : 10_000);
            }
            skewed = new SkewedFleetRun(skew, skewedAsConnected).run(secret);
        } finally {
            deleteSecretAndPki(secret);
        }
        MonitorReport.printRun(quick, rows, pair, throttle, coreFraction, coreFractionGateways(), sweeps, skewed);
        return 0;
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
    private Integer tlsPairs(Path secret, MonitorSweepRunner runner) throws Exception {
        int sweeps = 5;
        List<MonitorRow> rows = new ArrayList<>();
        try {
            for (int n : tlsPairSizes) {
                for (String kind : List.of("sluice", "sluice-tls")) {
                    try {
                        rows.add(runner.run(kind, n, BURST_RAMP_MILLIS, sweeps, secret));
                    } catch (Exception e) {
                        rows.add(MonitorRow.failed(kind, n, e));
                    }
                    System.err.println("  " + rows.getLast() + "  load " + LoadAverage.all());
                }
            }
        } finally {
            deleteSecretAndPki(secret);
        }
        MonitorReport.printTlsPair(rows, sweeps, handshakeBound, connectsInFlight);
        return 0;
    }

    /** {@code --sweep-pair}: Sluice then Netty at 10k and at 19k, as the quick run measures them. */
    private Integer sweepPair(Path secret, MonitorSweepRunner runner) throws Exception {
        int sweeps = 5;
        List<MonitorRow> rows = new ArrayList<>();
        try {
            for (int n : List.of(10_000, LARGEST)) {
                for (String kind : QUICK_LARGEST_KINDS) {
                    try {
                        rows.add(runner.run(kind, n, Math.max(1_000, n / 4), sweeps, secret));
                    } catch (Exception e) {
                        rows.add(MonitorRow.failed(kind, n, e));
                    }
                    System.err.println("  " + rows.getLast() + "  load " + LoadAverage.all());
                }
            }
        } finally {
            deleteSecretAndPki(secret);
        }
        MonitorReport.printSweepPair(rows, sweeps);
        return 0;
    }

    /** Polling cost grows linearly with n; the quick run measures at 10k and scales. */
    private int coreFractionGateways() {
        return quick ? 10_000 : LARGEST;
    }
}
