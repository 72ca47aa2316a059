package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * fio's nbd engine as {@code sluice bench gateway} runs it: 4 KiB random reads at a queue depth (the data-path rows,
 * the peers taking turns), half 4 KiB and half 64 KiB reads (a size-normalized limit), and a burst from an empty bucket
 * judged against {@link BurstAllowance}; the figures of each.
 */
final class GatewayFio {
    static final int LIMIT = 2_000;
    /** The burst scenario's limit: 2,000 IOPS, bursts of 6,000 IOPS for 2 s (QEMU's terms). */
    static final BurstAllowance BURST = new BurstAllowance(LIMIT, 6_000, 2);
    /** The size-normalized limit's unit: a 64 KiB read counts as 16 I/Os, as in QEMU's iops-size. */
    static final int IO_SIZE_KIB = 4;

    private GatewayFio() {}

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

    /**
     * The data-path rows of peers serving the same file at once: first an unrecorded run at QD1 and one at QD32 against
     * each (so every server is measured as it runs in service, not a JVM still compiling its data path), then
     * {@code rounds} rounds that take turns between the peers at each depth; each row is the round with the median
     * IOPS. Taking turns puts a change in the machine's load on every peer alike, which on a shared machine moves the
     * ratios less than measuring one peer after the other.
     */
    static void interleave(
            Map<String, Fio> results,
            int seconds,
            int rounds,
            TlsSetup tls,
            Map<String, NbdServer> servers,
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

    static Fio fio(String uri, int depth, int seconds) throws Exception {
        return fio(uri, depth, seconds, null);
    }

    /** {@code tls}: null for plaintext, else where fio finds its client certificates. */
    static Fio fio(String uri, int depth, int seconds, TlsSetup tls) throws Exception {
        JsonNode read = fioRead(uri, depth, seconds, tls, List.of("--bs=4k", "--ramp_time=1"));
        JsonNode percentiles = read.get("clat_ns").get("percentile");
        return new Fio(
                read.get("iops").asDouble(),
                percentiles.get("50.000000").asDouble() / 1_000,
                percentiles.get("99.000000").asDouble() / 1_000);
    }

    /** Half 4 KiB, half 64 KiB reads at QD32; the IOPS column counts 4 KiB units, what a normalized limit counts. */
    static Fio mixedFio(String uri, int seconds) throws Exception {
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
    static Burst burstFio(String uri, Path logPrefix, double seconds) throws Exception {
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
}
