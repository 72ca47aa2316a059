package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * fio's nbd engine against the Sluice gateway and its peers on one prefilled file: unthrottled vs
 * nbdkit's file plugin (4 KiB random reads, QD1 and QD32), both again over TLS 1.3 with x509
 * certificates from sluice-pki, and limited to 2,000 IOPS vs qemu-storage-daemon with a 2,000-IOPS
 * throttle group; plus the scheduler's own CPU cost per I/O (JMH).
 *
 * <p>fio's nbd engine will not let libnbd read a {@code tls-certificates=} directory named in its URI, so
 * the TLS runs give fio libnbd's default client directory, {@code $HOME/.pki/libnbd}, in a home of its
 * own; as root (whose default is /etc/pki/libnbd, not to be touched) fio runs as nobody.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Gateway vs nbdkit (IOPS, latency) and vs qemu-storage-daemon throttling (accuracy); scheduler cost per I/O.")
final class GatewayBenchmark implements Callable<Integer> {
    private static final int LIMIT = 2_000;

    @Option(names = "--quick", description = "3 s fio runs and a 256 MiB file: about half a minute")
    boolean quick;

    record Fio(double iops, double p50Micros, double p99Micros) {
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("sluice-bench-gateway");
        Path image = dir.resolve("disk.img");
        int seconds = quick ? 3 : 10;
        prefill(image, (quick ? 256L : 1024L) << 20);
        Map<String, Fio> results = new LinkedHashMap<>();
        try {
            try (Server gateway = Server.gateway(dir, image, false, null)) {
                results.put("sluice qd1", fio(gateway.uri(), 1, seconds));
                results.put("sluice qd32", fio(gateway.uri(), 32, seconds));
            }
            try (Server nbdkit = Server.nbdkit(image, null)) {
                results.put("nbdkit qd1", fio(nbdkit.uri(), 1, seconds));
                results.put("nbdkit qd32", fio(nbdkit.uri(), 32, seconds));
            }
            TlsSetup tls = TlsSetup.create(dir.resolve("tls"));
            try (Server gateway = Server.gateway(dir, image, false, tls.server())) {
                results.put("sluice tls qd1", fio(gateway.uri(), 1, seconds, tls));
                results.put("sluice tls qd32", fio(gateway.uri(), 32, seconds, tls));
            }
            try (Server nbdkit = Server.nbdkit(image, tls.server())) {
                results.put("nbdkit tls qd1", fio(nbdkit.uri(), 1, seconds, tls));
                results.put("nbdkit tls qd32", fio(nbdkit.uri(), 32, seconds, tls));
            }
            try (Server gateway = Server.gateway(dir, image, true, null)) {
                results.put("sluice 2000 IOPS", fio(gateway.uri(), 32, seconds * 2));
            }
            try (Server qemu = Server.qemuStorageDaemon(image)) {
                results.put("qemu-storage-daemon 2000 IOPS", fio(qemu.uri(), 32, seconds * 2));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        double schedNanos = schedulerNanosPerIo();
        print(results, schedNanos, seconds);
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

    private static Fio fio(String uri, int depth, int seconds) throws Exception {
        return fio(uri, depth, seconds, null);
    }

    /** {@code tls}: null for plaintext, else where fio finds its client certificates. */
    private static Fio fio(String uri, int depth, int seconds, TlsSetup tls) throws Exception {
        List<String> command = new ArrayList<>(tls == null ? List.of() : tls.fioPrefix());
        command.addAll(List.of("fio", "--name=bench", "--ioengine=nbd", "--uri=" + uri, "--rw=randread",
                "--bs=4k", "--iodepth=" + Integer.toString(depth), "--time_based", "--runtime=" + seconds, "--ramp_time=1",
                "--output-format=json"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (tls != null) {
            builder.environment().put("HOME", tls.fioHome().toString());
        }
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("fio failed against " + uri + ": " + out);
        }
        JsonNode read = new ObjectMapper().readTree(out.substring(out.indexOf('{'))).get("jobs").get(0).get("read");
        JsonNode percentiles = read.get("clat_ns").get("percentile");
        return new Fio(read.get("iops").asDouble(), percentiles.get("50.000000").asDouble() / 1_000,
                percentiles.get("99.000000").asDouble() / 1_000);
    }

    /** JMH ({@link SchedulerCostBenchmark}) in a forked JVM: nanoseconds per I/O through the QoS scheduler. */
    private double schedulerNanosPerIo() throws Exception {
        var options = new org.openjdk.jmh.runner.options.OptionsBuilder()
                .include(SchedulerCostBenchmark.class.getName())
                .forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .warmupIterations(quick ? 2 : 5).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 10).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT)
                .build();
        return new org.openjdk.jmh.runner.Runner(options).runSingle().getPrimaryResult().getScore();
    }

    /** A server process under test, stopped when closed. */
    private record Server(Process process, String uri) implements AutoCloseable {
        /** {@code tlsDir}: the server's certificates, to serve nbds:// only; null for plaintext. */
        static Server gateway(Path dir, Path image, boolean limited, Path tlsDir) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "io.sluice.gateway.GatewayMain"));
            if (limited) {
                Path config = dir.resolve("gateway.yaml");
                Files.writeString(config, "exports:\n  - name: disk\n    target: " + image + "\n    qos:\n      iops: " + LIMIT + "\n");
                cmd.addAll(List.of("--config", config.toString(), "127.0.0.1:0"));
            } else {
                cmd.addAll(List.of("--unthrottled", "127.0.0.1:0", "disk=" + image));
            }
            if (tlsDir != null) {
                cmd.add("--tls-certificates=" + tlsDir);
            }
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("sluice-gateway listening on ")) {
                p.destroyForcibly();
                throw new IOException("gateway did not start: " + line);
            }
            Thread.ofPlatform().daemon(true).start(() -> out.lines().forEach(l -> { }));
            return new Server(p, (tlsDir == null ? "nbd://" : "nbds://")
                    + line.substring("sluice-gateway listening on ".length()) + "/disk");
        }

        /** {@code tlsDir}: the server's certificates, with TLS required; null for plaintext. */
        static Server nbdkit(Path image, Path tlsDir) throws Exception {
            int port = freePort();
            List<String> cmd = new ArrayList<>(List.of("nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p",
                    Integer.toString(port)));
            if (tlsDir != null) {
                cmd.addAll(List.of("--tls=require", "--tls-certificates=" + tlsDir));
            }
            cmd.addAll(List.of("file", image.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return await(new Server(p, (tlsDir == null ? "nbd://" : "nbds://") + "127.0.0.1:" + port), port);
        }

        static Server qemuStorageDaemon(Path image) throws Exception {
            int port = freePort();
            Process p = new ProcessBuilder("qemu-storage-daemon",
                    "--blockdev", "driver=file,node-name=file0,filename=" + image + ",aio=threads",
                    "--blockdev", "driver=raw,node-name=raw0,file=file0",
                    "--object", "throttle-group,id=tg0,x-iops-total=" + LIMIT,
                    "--blockdev", "driver=throttle,node-name=thr0,throttle-group=tg0,file=raw0",
                    "--nbd-server", "addr.type=inet,addr.host=127.0.0.1,addr.port=" + port,
                    "--export", "type=nbd,id=exp0,node-name=thr0,name=disk").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return await(new Server(p, "nbd://127.0.0.1:" + port + "/disk"), port);
        }

        private static Server await(Server server, int port) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && server.process.isAlive()) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
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

    private void print(Map<String, Fio> r, double schedNanos, int seconds) {
        System.out.printf(Locale.ROOT, "%ngateway benchmark (%s): fio nbd engine, 4 KiB random reads of a prefilled file, %d s runs%n",
                quick ? "quick" : "full", seconds);
        System.out.printf(Locale.ROOT, "%-32s %10s %10s %10s%n", "target", "IOPS", "p50 us", "p99 us");
        r.forEach((name, f) -> System.out.printf(Locale.ROOT, "%-32s %10.0f %10.1f %10.1f%n", name, f.iops(), f.p50Micros(), f.p99Micros()));
        System.out.printf(Locale.ROOT, "scheduler + accounting (JMH): %.0f ns per I/O%n", schedNanos);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "gateway");
        json.put("mode", quick ? "quick" : "full");
        json.put("iops_vs_nbdkit_qd32", round(r.get("sluice qd32").iops() / r.get("nbdkit qd32").iops()));
        json.put("iops_vs_nbdkit_qd1", round(r.get("sluice qd1").iops() / r.get("nbdkit qd1").iops()));
        json.put("tls_iops_vs_nbdkit_tls_qd32", round(r.get("sluice tls qd32").iops() / r.get("nbdkit tls qd32").iops()));
        json.put("tls_iops_vs_nbdkit_tls_qd1", round(r.get("sluice tls qd1").iops() / r.get("nbdkit tls qd1").iops()));
        json.put("tls_iops_vs_plain_qd32", round(r.get("sluice tls qd32").iops() / r.get("sluice qd32").iops()));
        json.put("added_p50_us_qd1", round(r.get("sluice qd1").p50Micros() - r.get("nbdkit qd1").p50Micros()));
        json.put("throttle_error_pct", round(Math.abs(r.get("sluice 2000 IOPS").iops() - LIMIT) * 100.0 / LIMIT));
        json.put("qemu_throttle_error_pct", round(Math.abs(r.get("qemu-storage-daemon 2000 IOPS").iops() - LIMIT) * 100.0 / LIMIT));
        json.put("sched_ns_per_io", Math.round(schedNanos));
        System.out.println();
        System.out.println(JsonLine.of(json));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
