package io.sluice.bench;

import static io.sluice.bench.GatewayFio.BURST;
import static io.sluice.bench.GatewayFio.IO_SIZE_KIB;
import static io.sluice.bench.GatewayFio.LIMIT;
import static io.sluice.bench.GatewayFio.burstFio;
import static io.sluice.bench.GatewayFio.fio;
import static io.sluice.bench.GatewayFio.interleave;
import static io.sluice.bench.GatewayFio.mixedFio;

import io.sluice.bench.GatewayFio.Burst;
import io.sluice.bench.GatewayFio.Fio;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
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
    static final String QSD = "qemu-storage-daemon";
    /** Turns each data-path peer takes at each depth in a full run; each row is the median of these. */
    private static final int ROUNDS = 3;

    @Option(names = "--quick", description = "2 s fio runs, one turn per peer, a 256 MiB file: about a minute")
    boolean quick;

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
            try (NbdServer gateway = NbdServer.gateway(dir, image, null, null);
                    NbdServer nbdkit = NbdServer.nbdkit(image, null);
                    NbdServer qemu = NbdServer.qemuStorageDaemon(image, null)) {
                interleave(
                        results,
                        seconds,
                        rounds,
                        null,
                        Map.of("sluice", gateway, "nbdkit", nbdkit, QSD, qemu),
                        List.of("sluice", "nbdkit", QSD));
            }
            TlsSetup tls = TlsSetup.create(dir.resolve("tls"));
            try (NbdServer gateway = NbdServer.gateway(dir, image, null, tls.server());
                    NbdServer nbdkit = NbdServer.nbdkit(image, tls.server())) {
                interleave(
                        results,
                        seconds,
                        rounds,
                        tls,
                        Map.of("sluice tls", gateway, "nbdkit tls", nbdkit),
                        List.of("sluice tls", "nbdkit tls"));
            }
            try (NbdServer gateway = NbdServer.gateway(dir, image, "iops: " + LIMIT, null)) {
                results.put("sluice 2000 IOPS", fio(gateway.uri(), 32, seconds * 2));
            }
            try (NbdServer qemu = NbdServer.qemuStorageDaemon(image, "x-iops-total=" + LIMIT)) {
                results.put("qemu-storage-daemon 2000 IOPS", fio(qemu.uri(), 32, seconds * 2));
            }
            // The mixed-size and burst pairs run side by side: each peer is far from its unthrottled speed,
            // and both see the same machine at the same time.
            try (NbdServer gateway = NbdServer.gateway(
                            dir, image, "iops: " + LIMIT + "\n      io-size-kib: " + IO_SIZE_KIB, null);
                    NbdServer qemu = NbdServer.qemuStorageDaemon(
                            image, "x-iops-total=" + LIMIT + ",x-iops-size=" + IO_SIZE_KIB * 1024);
                    var pair = Executors.newFixedThreadPool(2)) {
                var sluice = pair.submit(() -> mixedFio(gateway.uri(), seconds * 2));
                var qsd = pair.submit(() -> mixedFio(qemu.uri(), seconds * 2));
                results.put("sluice 2000 IOPS 4k/64k", sluice.get());
                results.put("qemu-storage-daemon 2000 IOPS 4k/64k", qsd.get());
            }
            double burstSeconds = Math.ceil(BURST.burstEndSeconds()) + (quick ? 2 : 6);
            try (NbdServer gateway = NbdServer.gateway(
                            dir,
                            image,
                            "iops: {rate: " + LIMIT + ", burst: " + (int) BURST.burst() + ", burst-seconds: "
                                    + (int) BURST.burstSeconds() + "}",
                            null);
                    NbdServer qemu = NbdServer.qemuStorageDaemon(
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
        GatewayReport.print(quick, results, bursts, schedNanos, seconds);
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
}
