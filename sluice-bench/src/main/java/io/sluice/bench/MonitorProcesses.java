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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A monitor child JVM with a simulator child JVM connected to it, for {@link MonitorBenchmark}; commands go to the
 * monitor JVM as lines on its standard input ({@code SWEEP}, {@code SESSIONS}, ...).
 */
final class MonitorProcesses implements AutoCloseable {
    final Process server;
    final Process sim;
    final AutoCloseable services;
    final BufferedReader out;
    final PrintWriter in;
    final long connectNanos;
    /** The monitor's CPU from its start until every gateway had a session: handshakes, mostly. */
    final long connectCpuNanos;

    MonitorProcesses(String kind, int gateways, long pollIntervalMillis, int rampUpMillis, Path secret)
            throws Exception {
        this(kind, gateways, pollIntervalMillis, rampUpMillis, secret, 0, 0, null, List.of());
    }

    /**
     * {@code handshakeBound}, {@code connectsInFlight}: 0 leaves the monitor's and the simulator's defaults;
     * {@code jfr}: where the monitor JVM records a JFR profile, or null for none; {@code simOptions}: more options for
     * the simulator (a skewed fleet).
     */
    MonitorProcesses(
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

    /** {reports handed to the services, batch calls that carried them}; -1s for the peers, which hand nothing on. */
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
        String[] words =
                send("THROTTLE " + count + " " + concurrent + " " + gateways).split(" ");
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
