package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * fio's nbd engine against the Sluice gateway and its peers on one prefilled file: unthrottled vs nbdkit's file plugin
 * and qemu-storage-daemon's NBD export (4 KiB random reads, QD1 and QD32, the peers taking turns), the gateway and
 * nbdkit again over TLS 1.3 with x509 certificates from sluice-pki, and limited to 2,000 IOPS vs qemu-storage-daemon
 * with a 2,000-IOPS throttle group: 4 KiB reads, then mixed 4 KiB/64 KiB reads under a limit normalized to 4 KiB I/Os,
 * then a burst (QEMU's iops-total-max and iops-total-max-length) judged against what {@link BurstAllowance} says QEMU's
 * semantics let through; plus the scheduler's own CPU cost per I/O (JMH).
 *
 * <p>fio's nbd engine will not let libnbd read a {@code tls-certificates=} directory named in its URI, so the TLS runs
 * give fio libnbd's default client directory, {@code $HOME/.pki/libnbd}, in a home of its own; as root (whose default
 * is /etc/pki/libnbd, not to be touched) fio runs as nobody.
 */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        description =
                "Gateway vs nbdkit (IOPS, latency) and vs qemu-storage-daemon throttling (accuracy); scheduler cost per I/O.")
final class GatewayBenchmark implements Callable<Integer> {
    private static final int LIMIT = 2_000;
    /** The burst scenario's limit: 2,000 IOPS, bursts of 6,000 IOPS for 2 s (QEMU's terms). */
    private static final BurstAllowance BURST = new BurstAllowance(LIMIT, 6_000, 2);
    /** The size-normalized limit's unit: a 64 KiB read counts as 16 I/Os, as in QEMU's iops-size. */
    private static final int IO_SIZE_KIB = 4;

    private static final String QSD = "qemu-storage-daemon";
    /** Turns each data-path peer takes at each depth in a full run; each row is the median of these. */
    private static final int ROUNDS = 3;

    @Option(names = "--quick", description = "2 s fio runs, one turn per peer, a 256 MiB file: about a minute")
    boolean quick;

    record Fio(double iops, double p50Micros, double p99Micros) {}

    /**
     * A burst run's counts of completed I/Os, each window measured from the first I/O's issue: the first second (the
     * burst rate), everything up to {@code seconds} (by then the bucket is full, so the total is the burst's size plus
     * the rate's share: right even when a starved machine stretched the burst out), and the whole seconds after the
     * burst's nominal end up to {@code seconds} (the rate after the burst).
     */
    record Burst(long firstSecond, long total, long after, double afterSeconds, double seconds) {
        /** The total against the allowance: the size of the burst QEMU grants. */
        double totalErrorPct() {
            double expected = BURST.allowed(seconds);
            return Math.abs(total - expected) * 100 / expected;
        }

        /** The seconds after the burst against the rate: the burst over, the limit back to its average. */
        double afterErrorPct() {
            double expected = BURST.rate() * afterSeconds;
            return Math.abs(after - expected) * 100 / expected;
        }

        /** The first second against the allowance: a server that let the burst go at once would be far over. */
        double firstSecondPct() {
            return firstSecond * 100 / BURST.allowed(1);
        }

        /** The worse of the total's and the rate's errors: the burst must be as big as QEMU allows, and end. */
        double errorPct() {
            return Math.max(totalErrorPct(), afterErrorPct());
        }
    }

    /** The aio mode qemu-storage-daemon's file driver ran with: io_uring where this kernel and build allow it. */
    private static volatile String qsdAio = "?";

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("sluice-bench-gateway");
        Path image = dir.resolve("disk.img");
        int seconds = quick ? 2 : 10;
        int rounds = quick ? 1 : ROUNDS;
        prefill(image, (quick ? 256L : 1024L) << 20);
        Map<String, Fio> results = new LinkedHashMap<>();
        Map<String, Burst> bursts = new LinkedHashMap<>();
        try {
            try (Server gateway = Server.gateway(dir, image, null, null);
                    Server nbdkit = Server.nbdkit(image, null);
                    Server qemu = Server.qemuStorageDaemon(image, null)) {
                interleave(
                        results,
                        seconds,
                        rounds,
                        null,
                        Map.of("sluice", gateway, "nbdkit", nbdkit, QSD, qemu),
                        List.of("sluice", "nbdkit", QSD));
            }
            TlsSetup tls = TlsSetup.create(dir.resolve("tls"));
            try (Server gateway = Server.gateway(dir, image, null, tls.server());
                    Server nbdkit = Server.nbdkit(image, tls.server())) {
                interleave(
                        results,
                        seconds,
                        rounds,
                        tls,
                        Map.of("sluice tls", gateway, "nbdkit tls", nbdkit),
                        List.of("sluice tls", "nbdkit tls"));
            }
            try (Server gateway = Server.gateway(dir, image, "iops: " + LIMIT, null)) {
                results.put("sluice 2000 IOPS", fio(gateway.uri(), 32, seconds * 2));
            }
            try (Server qemu = Server.qemuStorageDaemon(image, "x-iops-total=" + LIMIT)) {
                results.put("qemu-storage-daemon 2000 IOPS", fio(qemu.uri(), 32, seconds * 2));
            }
            // The mixed-size and burst pairs run side by side: each peer is far from its unthrottled speed,
            // and both see the same machine at the same time.
            try (Server gateway =
                            Server.gateway(dir, image, "iops: " + LIMIT + "\n      io-size-kib: " + IO_SIZE_KIB, null);
                    Server qemu = Server.qemuStorageDaemon(
                            image, "x-iops-total=" + LIMIT + ",x-iops-size=" + IO_SIZE_KIB * 1024);
                    var pair = Executors.newFixedThreadPool(2)) {
                var sluice = pair.submit(() -> mixedFio(gateway.uri(), seconds * 2));
                var qsd = pair.submit(() -> mixedFio(qemu.uri(), seconds * 2));
                results.put("sluice 2000 IOPS 4k/64k", sluice.get());
                results.put("qemu-storage-daemon 2000 IOPS 4k/64k", qsd.get());
            }
            double burstSeconds = Math.ceil(BURST.burstEndSeconds()) + (quick ? 2 : 6);
            try (Server gateway = Server.gateway(
                            dir,
                            image,
                            "iops: {rate: " + LIMIT + ", burst: " + (int) BURST.burst() + ", burst-seconds: "
                                    + (int) BURST.burstSeconds() + "}",
                            null);
                    Server qemu = Server.qemuStorageDaemon(
                            image,
                            "x-iops-total=" + LIMIT + ",x-iops-total-max=" + (int) BURST.burst()
                                    + ",x-iops-total-max-length=" + (int) BURST.burstSeconds());
                    var pair = Executors.newFixedThreadPool(2)) {
                var sluice = pair.submit(() -> burstFio(gateway.uri(), dir.resolve("sluice-burst"), burstSeconds));
                var qsd = pair.submit(() -> burstFio(qemu.uri(), dir.resolve("qsd-burst"), burstSeconds));
                bursts.put("sluice", sluice.get());
                bursts.put(QSD, qsd.get());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        double schedNanos = schedulerNanosPerIo();
        print(results, bursts, schedNanos, seconds);
        return 0;
    }

    private static void prefill(Path image, long size) throws IOException {
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(7).nextBytes(chunk);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            for (long at = 0; at < size; at += chunk.length) {
                file.write(chunk);
            }
        }
    }

    /**
     * The data-path rows of peers serving the same file at once: first an unrecorded run at QD1 and one at QD32 against
     * each (so every server is measured as it runs in service, not a JVM still compiling its data path), then
     * {@code rounds} rounds that take turns between the peers at each depth; each row is the round with the median
     * IOPS. Taking turns puts a change in the machine's load on every peer alike, which on a shared machine moves the
     * ratios less than measuring one peer after the other.
     */
    private static void interleave(
            Map<String, Fio> results,
            int seconds,
            int rounds,
            TlsSetup tls,
            Map<String, Server> servers,
            List<String> order)
            throws Exception {
        for (String name : order) {
            fio(servers.get(name).uri(), 1, 1, tls);
            fio(servers.get(name).uri(), 32, 1, tls);
        }
        for (int depth : new int[] {1, 32}) {
            Map<String, List<Fio>> runs = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (String name : order) {
                    runs.computeIfAbsent(name, n -> new ArrayList<>())
                            .add(fio(servers.get(name).uri(), depth, seconds, tls));
                }
            }
            for (String name : order) {
                List<Fio> sorted = new ArrayList<>(runs.get(name));
                sorted.sort(Comparator.comparingDouble(Fio::iops));
                results.put(name + " qd" + depth, sorted.get(sorted.size() / 2));
            }
        }
    }

    private static Fio fio(String uri, int depth, int seconds) throws Exception {
        return fio(uri, depth, seconds, null);
    }

    /** {@code tls}: null for plaintext, else where fio finds its client certificates. */
    private static Fio fio(String uri, int depth, int seconds, TlsSetup tls) throws Exception {
        JsonNode read = fioRead(uri, depth, seconds, tls, List.of("--bs=4k", "--ramp_time=1"));
        JsonNode percentiles = read.get("clat_ns").get("percentile");
        return new Fio(
                read.get("iops").asDouble(),
                percentiles.get("50.000000").asDouble() / 1_000,
                percentiles.get("99.000000").asDouble() / 1_000);
    }

    /** Half 4 KiB, half 64 KiB reads at QD32; the IOPS column counts 4 KiB units, what a normalized limit counts. */
    private static Fio mixedFio(String uri, int seconds) throws Exception {
        JsonNode read = fioRead(uri, 32, seconds, null, List.of("--bssplit=4k/50:64k/50", "--ramp_time=1"));
        JsonNode percentiles = read.get("clat_ns").get("percentile");
        return new Fio(
                read.get("bw_bytes").asDouble() / (IO_SIZE_KIB * 1024),
                percentiles.get("50.000000").asDouble() / 1_000,
                percentiles.get("99.000000").asDouble() / 1_000);
    }

    /**
     * 4 KiB reads at QD32 from a server whose burst bucket is still empty (no warm-up, no ramp), each I/O logged by fio
     * with its completion time and latency. Each peer's window starts at its own first I/O's issue time (completion
     * less latency), which is when its bucket starts to fill, so the two peers are aligned on the event the allowance
     * counts from, not on wall-clock time.
     */
    private static Burst burstFio(String uri, Path logPrefix, double seconds) throws Exception {
        fioRead(uri, 32, (int) seconds + 1, null, List.of("--bs=4k", "--write_lat_log=" + logPrefix));
        List<double[]> ios = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(logPrefix + "_lat.1.log"))) {
            String[] fields = line.split(",");
            double completedMillis = Double.parseDouble(fields[0].strip());
            ios.add(new double[] {completedMillis, completedMillis - Double.parseDouble(fields[1].strip()) / 1e6});
        }
        double start = ios.stream()
                .mapToDouble(io -> io[1])
                .min()
                .orElseThrow(() -> new IOException("fio logged no I/O: " + uri));
        double end = seconds * 1000;
        double afterFrom = Math.ceil(BURST.burstEndSeconds());
        return new Burst(
                completedWithin(ios, start, 0, 1000),
                completedWithin(ios, start, Double.NEGATIVE_INFINITY, end),
                completedWithin(ios, start, afterFrom * 1000, end),
                seconds - afterFrom,
                seconds);
    }

    /** I/Os completed after {@code from} and up to {@code to} milliseconds from {@code start}. */
    private static long completedWithin(List<double[]> ios, double start, double from, double to) {
        return ios.stream()
                .filter(io -> io[0] - start > from && io[0] - start <= to)
                .count();
    }

    /** Runs fio's nbd engine with random reads, the given extra options, and returns its JSON report's read side. */
    private static JsonNode fioRead(String uri, int depth, int seconds, TlsSetup tls, List<String> extra)
            throws Exception {
        List<String> command = new ArrayList<>(tls == null ? List.of() : tls.fioPrefix());
        command.addAll(List.of(
                "fio",
                "--name=bench",
                "--ioengine=nbd",
                "--uri=" + uri,
                "--rw=randread",
                "--iodepth=" + Integer.toString(depth),
                "--time_based",
                "--runtime=" + seconds,
                "--output-format=json"));
        command.addAll(extra);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (tls != null) {
            builder.environment().put("HOME", tls.fioHome().toString());
        }
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("fio failed against " + uri + ": " + out);
        }
        return new ObjectMapper()
                .readTree(out.substring(out.indexOf('{')))
                .get("jobs")
                .get(0)
                .get("read");
    }

    /** JMH ({@link SchedulerCostBenchmark}) in a forked JVM: nanoseconds per I/O through the QoS scheduler. */
    private double schedulerNanosPerIo() throws Exception {
        var options = new OptionsBuilder()
                .include(SchedulerCostBenchmark.class.getName())
                .forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 10)
                .measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT)
                .build();
        return new Runner(options).runSingle().getPrimaryResult().getScore();
    }

    /** A server process under test, stopped when closed. */
    private record Server(Process process, String uri) implements AutoCloseable {
        /**
         * {@code qos}: the export's {@code qos:} section (YAML under it, indented for one line), null for an
         * unthrottled gateway; {@code tlsDir}: the server's certificates, to serve nbds:// only; null for plaintext.
         */
        static Server gateway(Path dir, Path image, String qos, Path tlsDir) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.sluice.gateway.GatewayMain"));
            if (qos != null) {
                Path config = Files.createTempFile(dir, "gateway", ".yaml");
                Files.writeString(
                        config, "exports:\n  - name: disk\n    target: " + image + "\n    qos:\n      " + qos + "\n");
                cmd.addAll(List.of("--config", config.toString(), "127.0.0.1:0"));
            } else {
                cmd.addAll(List.of("--unthrottled", "127.0.0.1:0", "disk=" + image));
            }
            if (tlsDir != null) {
                cmd.add("--tls-certificates=" + tlsDir);
            }
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("sluice-gateway listening on ")) {
                p.destroyForcibly();
                throw new IOException("gateway did not start: " + line);
            }
            Thread.ofPlatform().daemon(true).start(() -> out.lines().forEach(l -> {}));
            return new Server(
                    p,
                    (tlsDir == null ? "nbd://" : "nbds://") + line.substring("sluice-gateway listening on ".length())
                            + "/disk");
        }

        /** {@code tlsDir}: the server's certificates, with TLS required; null for plaintext. */
        static Server nbdkit(Path image, Path tlsDir) throws Exception {
            int port = freePort();
            List<String> cmd = new ArrayList<>(
                    List.of("nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p", Integer.toString(port)));
            if (tlsDir != null) {
                cmd.addAll(List.of("--tls=require", "--tls-certificates=" + tlsDir));
            }
            cmd.addAll(List.of("file", image.toString()));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return await(new Server(p, (tlsDir == null ? "nbd://" : "nbds://") + "127.0.0.1:" + port), port);
        }

        /**
         * qemu-storage-daemon's NBD export of the file: through a throttle group with {@code throttle}'s properties
         * (e.g. {@code x-iops-total=2000}) when not null, else unthrottled, the second peer of the data path. Tries
         * aio=io_uring, then native (which needs O_DIRECT, so it would not read the page cache the others read:
         * skipped), then threads.
         */
        static Server qemuStorageDaemon(Path image, String throttle) throws Exception {
            IOException last = null;
            for (String aio : List.of("io_uring", "threads")) {
                try {
                    Server server = qemuStorageDaemon(image, throttle, aio);
                    qsdAio = aio;
                    return server;
                } catch (IOException e) {
                    last = e;
                }
            }
            throw last;
        }

        private static Server qemuStorageDaemon(Path image, String throttle, String aio) throws Exception {
            int port = freePort();
            List<String> cmd = new ArrayList<>(List.of(
                    "qemu-storage-daemon",
                    "--blockdev",
                    "driver=file,node-name=file0,filename=" + image + ",aio=" + aio,
                    "--blockdev",
                    "driver=raw,node-name=raw0,file=file0"));
            String node = "raw0";
            if (throttle != null) {
                cmd.addAll(List.of(
                        "--object",
                        "throttle-group,id=tg0," + throttle,
                        "--blockdev",
                        "driver=throttle,node-name=thr0,throttle-group=tg0,file=raw0"));
                node = "thr0";
            }
            cmd.addAll(List.of(
                    "--nbd-server",
                    "addr.type=inet,addr.host=127.0.0.1,addr.port=" + port,
                    "--export",
                    "type=nbd,id=exp0,node-name=" + node + ",name=disk"));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return await(new Server(p, "nbd://127.0.0.1:" + port + "/disk"), port);
        }

        private static Server await(Server server, int port) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && server.process.isAlive()) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    return server;
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            server.close();
            throw new IOException(server.uri + " did not start");
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private void print(Map<String, Fio> r, Map<String, Burst> bursts, double schedNanos, int seconds) {
        System.out.printf(
                Locale.ROOT,
                "%ngateway benchmark (%s): fio nbd engine, 4 KiB random reads of a prefilled file, %d s runs%n",
                quick ? "quick" : "full",
                seconds);
        System.out.printf(Locale.ROOT, "%-32s %10s %10s %10s%n", "target", "IOPS", "p50 us", "p99 us");
        r.forEach((name, f) -> System.out.printf(
                Locale.ROOT, "%-32s %10.0f %10.1f %10.1f%n", name, f.iops(), f.p50Micros(), f.p99Micros()));
        System.out.printf(
                Locale.ROOT,
                "(4k/64k rows: half 4 KiB, half 64 KiB reads, IOPS in 4 KiB units, limit normalized to %d KiB)%n",
                IO_SIZE_KIB);
        double burstSeconds = bursts.get("sluice").seconds();
        System.out.printf(
                Locale.ROOT,
                "%nburst: %.0f IOPS, bursts of %.0f for %.0f s; from the first I/O QEMU's semantics allow %.0f I/Os "
                        + "in the first second, the burst ends at %.2f s (%.0f I/Os), %.0f in all by %.0f s, %.0f per s after "
                        + "(%.0f from %.0f s to %.0f s)%n",
                BURST.rate(),
                BURST.burst(),
                BURST.burstSeconds(),
                BURST.allowed(1),
                BURST.burstEndSeconds(),
                BURST.allowed(BURST.burstEndSeconds()),
                BURST.allowed(burstSeconds),
                burstSeconds,
                BURST.rate(),
                BURST.rate() * bursts.get("sluice").afterSeconds(),
                burstSeconds - bursts.get("sluice").afterSeconds(),
                burstSeconds);
        System.out.printf(
                Locale.ROOT,
                "%-32s %10s %10s %10s %10s %10s %10s%n",
                "target",
                "1st s I/Os",
                "% allowed",
                "total I/Os",
                "error %",
                "after I/Os",
                "error %");
        bursts.forEach((name, b) -> System.out.printf(
                Locale.ROOT,
                "%-32s %10d %10.1f %10d %10.2f %10d %10.2f%n",
                name,
                b.firstSecond(),
                b.firstSecondPct(),
                b.total(),
                b.totalErrorPct(),
                b.after(),
                b.afterErrorPct()));
        System.out.printf(
                Locale.ROOT,
                "scheduler + accounting (JMH): %.0f ns per I/O; qemu-storage-daemon aio=%s%n",
                schedNanos,
                qsdAio);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "gateway");
        json.put("mode", quick ? "quick" : "full");
        json.put(
                "iops_vs_nbdkit_qd32",
                round(r.get("sluice qd32").iops() / r.get("nbdkit qd32").iops()));
        json.put(
                "iops_vs_nbdkit_qd1",
                round(r.get("sluice qd1").iops() / r.get("nbdkit qd1").iops()));
        json.put(
                "iops_vs_qsd_qd32",
                round(r.get("sluice qd32").iops() / r.get(QSD + " qd32").iops()));
        json.put(
                "iops_vs_qsd_qd1",
                round(r.get("sluice qd1").iops() / r.get(QSD + " qd1").iops()));
        json.put(
                "tls_iops_vs_nbdkit_tls_qd32",
                round(r.get("sluice tls qd32").iops() / r.get("nbdkit tls qd32").iops()));
        json.put(
                "tls_iops_vs_nbdkit_tls_qd1",
                round(r.get("sluice tls qd1").iops() / r.get("nbdkit tls qd1").iops()));
        json.put(
                "tls_iops_vs_plain_qd32",
                round(r.get("sluice tls qd32").iops() / r.get("sluice qd32").iops()));
        json.put(
                "added_p50_us_qd1",
                round(r.get("sluice qd1").p50Micros() - r.get("nbdkit qd1").p50Micros()));
        json.put(
                "added_p50_us_qd1_vs_qsd",
                round(r.get("sluice qd1").p50Micros() - r.get(QSD + " qd1").p50Micros()));
        json.put("throttle_error_pct", round(Math.abs(r.get("sluice 2000 IOPS").iops() - LIMIT) * 100.0 / LIMIT));
        json.put(
                "qemu_throttle_error_pct",
                round(Math.abs(r.get("qemu-storage-daemon 2000 IOPS").iops() - LIMIT) * 100.0 / LIMIT));
        json.put(
                "mixed_throttle_error_pct",
                round(Math.abs(r.get("sluice 2000 IOPS 4k/64k").iops() - LIMIT) * 100.0 / LIMIT));
        json.put(
                "qemu_mixed_throttle_error_pct",
                round(Math.abs(r.get("qemu-storage-daemon 2000 IOPS 4k/64k").iops() - LIMIT) * 100.0 / LIMIT));
        json.put("burst_error_pct", round(bursts.get("sluice").errorPct()));
        json.put("qemu_burst_error_pct", round(bursts.get(QSD).errorPct()));
        json.put("burst_first_second_pct", round(bursts.get("sluice").firstSecondPct()));
        json.put("qemu_burst_first_second_pct", round(bursts.get(QSD).firstSecondPct()));
        json.put("sched_ns_per_io", Math.round(schedNanos));
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
