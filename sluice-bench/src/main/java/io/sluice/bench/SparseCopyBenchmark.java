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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Copying a sparse image out through an NBD server, as a backup tool would: a 1 GiB image with 5% data (64 runs of 800
 * KiB, one every 16 MiB), read by {@code nbdcopy URI null:} through the gateway (unthrottled, one process for every
 * copy) and through nbdkit's file plugin (a process per copy, for its stats), taking turns after five unrecorded
 * warm-up rounds; each figure is the median round. Time is the wall time of the copy, nbdcopy's start included; bytes
 * moved are the READ bytes the server served (the gateway's stats file, nbdkit's stats filter). A copy through the
 * gateway with {@code --no-extents} shows what the copy cost before block status.
 */
@Command(
        name = "sparse-copy",
        mixinStandardHelpOptions = true,
        description = "Copy time and bytes moved for a 1 GiB image with 5%% data: gateway vs nbdkit (nbdcopy).")
final class SparseCopyBenchmark implements Callable<Integer> {
    private static final long SIZE = 1L << 30;
    private static final int RUNS = 64;
    private static final int RUN_LENGTH = 800 << 10;
    private static final int WARM_UP_ROUNDS = 5;
    private static final Pattern NBDKIT_READ =
            Pattern.compile("read: \\d+ ops, [0-9.]+ s, ([0-9.]+) (bytes|KiB|MiB|GiB)");

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--quick",
            description = "3 recorded copies per server (9 in a full run) after the warm-up: well under a minute")
    boolean quick;

    record Copy(double millis, long bytesRead) {}

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("sluice-bench-sparse");
        Path image = dir.resolve("sparse.img");
        try {
            sparseImage(image);
            int rounds = quick ? 3 : 9;
            List<Copy> sluice = new ArrayList<>();
            List<Copy> nbdkit = new ArrayList<>();
            Copy withoutExtents;
            try (Gateway gateway = Gateway.start(dir, image)) {
                for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
                    // Negative rounds warm up the gateway's JIT and the page cache and are not recorded:
                    // one copy is a few hundred requests, too few for the JIT to finish with the data path.
                    Copy s = gateway.copy(false);
                    Copy k = nbdkitCopy(dir, image);
                    if (round >= 0) {
                        sluice.add(s);
                        nbdkit.add(k);
                    }
                }
                withoutExtents = gateway.copy(true);
            }
            print(median(sluice), median(nbdkit), withoutExtents);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private static void sparseImage(Path image) throws IOException {
        byte[] run = new byte[RUN_LENGTH];
        new SplittableRandom(18).nextBytes(run);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(SIZE);
            long stride = SIZE / RUNS;
            for (int i = 0; i < RUNS; i++) {
                file.seek(i * stride);
                file.write(run);
            }
        }
    }

    private static Copy median(List<Copy> copies) {
        List<Copy> sorted = new ArrayList<>(copies);
        sorted.sort(Comparator.comparingDouble(Copy::millis));
        return sorted.get(sorted.size() / 2);
    }

    /** One gateway process (unthrottled, the image read-only) for every copy; bytes from its stats file. */
    private record Gateway(Process process, String uri, Path stats) implements AutoCloseable {
        static Gateway start(Path dir, Path image) throws IOException {
            Path stats = dir.resolve("gateway-stats.json");
            List<String> cmd = List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "io.sluice.gateway.GatewayMain",
                    "--unthrottled",
                    "--stats-file=" + stats,
                    "127.0.0.1:0",
                    "disk=" + image + ",ro");
            Process process = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("sluice-gateway listening on ")) {
                process.destroyForcibly();
                throw new IOException("gateway did not start: " + line);
            }
            Thread.ofPlatform().daemon(true).start(() -> out.lines().forEach(l -> {}));
            return new Gateway(
                    process, "nbd://" + line.substring("sluice-gateway listening on ".length()) + "/disk", stats);
        }

        Copy copy(boolean noExtents) throws Exception {
            long before = bytesReadAfter(System.currentTimeMillis());
            double millis = nbdcopy(uri, noExtents);
            return new Copy(millis, bytesReadAfter(System.currentTimeMillis()) - before);
        }

        /**
         * READ bytes served so far, from the first stats file written after {@code millis} (it is rewritten every
         * second).
         */
        private long bytesReadAfter(long millis) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (Files.exists(stats)) {
                    JsonNode snapshot = JSON.readTree(stats.toFile());
                    if (snapshot.path("time-millis").asLong() > millis) {
                        return snapshot.path("volumes")
                                .path(0)
                                .path("read")
                                .path("bytes")
                                .asLong();
                    }
                }
                Thread.sleep(100);
            }
            throw new IOException("the gateway wrote no stats file after " + millis);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One copy through a fresh nbdkit with its stats filter, whose totals it writes when it exits. */
    private static Copy nbdkitCopy(Path dir, Path image) throws Exception {
        Path stats = dir.resolve("nbdkit-stats.txt");
        Files.deleteIfExists(stats);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process nbdkit = new ProcessBuilder(
                        "nbdkit",
                        "--exit-with-parent",
                        "-f",
                        "-r",
                        "-i",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port),
                        "--filter=stats",
                        "file",
                        image.toString(),
                        "statsfile=" + stats)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        double millis;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline || !nbdkit.isAlive()) {
                        throw new IOException("nbdkit did not start");
                    }
                    Thread.sleep(50);
                }
            }
            millis = nbdcopy("nbd://127.0.0.1:" + port, false);
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(20, TimeUnit.SECONDS);
        }
        Matcher m = NBDKIT_READ.matcher(Files.readString(stats));
        if (!m.find()) {
            throw new IOException("no read line in nbdkit's stats: " + Files.readString(stats));
        }
        double value = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1;
        };
        return new Copy(millis, Math.round(value * unit));
    }

    /** Wall time of {@code nbdcopy URI null:} (the destination discards what it is given). */
    private static double nbdcopy(String uri, boolean noExtents) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nbdcopy"));
        if (noExtents) {
            cmd.add("--no-extents");
        }
        cmd.addAll(List.of(uri, "null:"));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("nbdcopy failed from " + uri + ": " + out);
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private void print(Copy sluice, Copy nbdkit, Copy withoutExtents) {
        System.out.printf(
                Locale.ROOT,
                "%nsparse copy benchmark (%s): nbdcopy URI null: of a 1 GiB image with 5%% data%n",
                quick ? "quick" : "full");
        System.out.printf(Locale.ROOT, "%-28s %10s %14s%n", "server", "ms", "bytes read");
        System.out.printf(Locale.ROOT, "%-28s %10.0f %14d%n", "sluice", sluice.millis(), sluice.bytesRead());
        System.out.printf(Locale.ROOT, "%-28s %10.0f %14d%n", "nbdkit", nbdkit.millis(), nbdkit.bytesRead());
        System.out.printf(
                Locale.ROOT,
                "%-28s %10.0f %14d%n",
                "sluice, no block status",
                withoutExtents.millis(),
                withoutExtents.bytesRead());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "sparse-copy");
        json.put("mode", quick ? "quick" : "full");
        json.put("sparse_copy_vs_nbdkit", Math.round(sluice.millis() / nbdkit.millis() * 1000) / 1000.0);
        json.put("sluice_ms", Math.round(sluice.millis()));
        json.put("nbdkit_ms", Math.round(nbdkit.millis()));
        json.put("sluice_bytes_read", sluice.bytesRead());
        json.put("nbdkit_bytes_read", nbdkit.bytesRead());
        json.put("no_extents_ms", Math.round(withoutExtents.millis()));
        json.put("no_extents_bytes_read", withoutExtents.bytesRead());
        System.out.println();
        System.out.println(JsonLine.of(json));
    }
}
