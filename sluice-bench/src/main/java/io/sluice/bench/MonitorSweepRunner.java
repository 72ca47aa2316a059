package io.sluice.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Measures poll sweeps of one monitor at one fleet size, for {@link MonitorBenchmark}. */
final class MonitorSweepRunner {
    private final int handshakeBound;
    private final int connectsInFlight;
    private final Path monitorJfr;

    /**
     * @param handshakeBound the TLS monitor's bound on handshakes in progress; 0 for its default
     * @param connectsInFlight the simulator's connects in flight; 0 for its default
     * @param monitorJfr where each Sluice monitor JVM records a JFR profile; null for none
     */
    MonitorSweepRunner(int handshakeBound, int connectsInFlight, Path monitorJfr) {
        this.handshakeBound = handshakeBound;
        this.connectsInFlight = connectsInFlight;
        this.monitorJfr = monitorJfr;
    }

    /**
     * Two warm-up sweeps, then {@code sweeps} measured ones, of {@code kind} with {@code n} gateways connecting over
     * {@code rampUpMillis}.
     */
    MonitorRow run(String kind, int n, int rampUpMillis, int sweeps, Path secret) throws Exception {
        Path jfr = monitorJfr != null && kind.startsWith("sluice") ? monitorJfr.resolve(kind + "-" + n + ".jfr") : null;
        try (MonitorProcesses peer = new MonitorProcesses(
                kind, n, 3_600_000, rampUpMillis, secret, handshakeBound, connectsInFlight, jfr, List.of())) {
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
            return new MonitorRow(
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
                    LoadAverage.oneMinute(),
                    String.join("  ", perCall, failed > 0 ? failed + " sweeps timed out" : "")
                            .strip());
        }
    }
}
