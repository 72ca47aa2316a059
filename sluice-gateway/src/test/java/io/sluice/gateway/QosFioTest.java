package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QoS accuracy measured by a real client: fio's nbd engine against the gateway as a separate process, configured from a
 * YAML file. Each test prints what it measured.
 */
@Tag("system")
class QosFioTest {
    private static final int SIZE = 64 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path config;
    static Path stats;
    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        for (String volume : List.of("limited", "mixed", "light", "heavy", "reserved", "flood", "live")) {
            Tools.emptyFile(dir, volume + ".img", SIZE);
        }
        config = dir.resolve("gateway.yaml");
        stats = dir.resolve("stats.json");
        writeConfig(1000);
        gateway = GatewayProcess.start(dir, "--config", config.toString(), "--stats-file", stats.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** The gateway's config, with the live volume's limit as given; replaced by an atomic rename. */
    private static void writeConfig(int liveIops) throws Exception {
        String yaml = """
                queue-depth: 64
                backends:
                  - {name: shared, iops: 2000, queue-depth: 4}
                  - {name: busy, iops: 2000, queue-depth: 4}
                exports:
                  - {name: limited, target: DIR/limited.img, qos: {iops: 2000}}
                  - {name: mixed, target: DIR/mixed.img, qos: {iops: 2000, io-size-kib: 4}}
                  - {name: light, target: DIR/light.img, backend: shared, qos: {weight: 1}}
                  - {name: heavy, target: DIR/heavy.img, backend: shared, qos: {weight: 3}}
                  - {name: reserved, target: DIR/reserved.img, backend: busy, qos: {reservation-iops: 1000, weight: 1}}
                  - {name: flood, target: DIR/flood.img, backend: busy, qos: {weight: 9}}
                  - {name: live, target: DIR/live.img, qos: {iops: LIVE}}
                """.replace("DIR", dir.toString()).replace("LIVE", Integer.toString(liveIops));
        Path next = Files.writeString(dir.resolve("gateway.yaml.new"), yaml);
        // A distinct modification time per version, however coarse the file system's clock.
        Files.setLastModifiedTime(next, FileTime.fromMillis(System.currentTimeMillis()));
        Files.move(
                next, dir.resolve("gateway.yaml"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** One fio job section: reads of 4 KiB (or a size range) at a queue depth for some seconds. */
    private static List<String> job(String export, String rw, String blockSize, int ioDepth, int seconds) {
        List<String> job = new ArrayList<>(List.of(
                "--name=" + export,
                "--uri=" + gateway.uri(export),
                "--rw=" + rw,
                "--iodepth=" + ioDepth,
                "--size=" + SIZE,
                "--time_based",
                "--runtime=" + seconds));
        if (seconds < 10) {
            // Jobs sharing a backend start a few ms apart; measure only once both compete.
            job.add("--ramp_time=1");
        }
        job.add(blockSize.contains("-") ? "--bsrange=" + blockSize : "--bs=" + blockSize);
        return job;
    }

    /** Runs fio with several job sections at once; the JSON report's jobs by name. */
    private static Map<String, JsonNode> fio(List<List<String>> jobs) throws Exception {
        Tools.require("fio");
        Path report = Files.createTempFile(dir, "fio", ".json");
        List<String> command = new ArrayList<>(List.of(
                "fio", "--ioengine=nbd", "--verify_state_save=0", "--output-format=json", "--output=" + report));
        jobs.forEach(command::addAll);
        Tools.Result fio = Tools.run(60, command);
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode job : JSON.readTree(report.toFile()).get("jobs")) {
            assertThat(job.get("error").asInt()).as(job.toString()).isZero();
            byName.put(job.get("jobname").asText(), job);
        }
        return byName;
    }

    @Test
    void a2000IopsLimitGives2000IopsWithin5PercentFor4KiBAndNormalizedMixedSizes() throws Exception {
        // Both volumes at once, 10 s each: one of 4 KiB reads, one of 4-64 KiB reads that the
        // limit counts in 4 KiB units (so its bandwidth, not its I/O count, is 2,000 x 4 KiB/s).
        Map<String, JsonNode> jobs =
                fio(List.of(job("limited", "randread", "4k", 16, 10), job("mixed", "randread", "4k-64k", 16, 10)));
        double iops = jobs.get("limited").get("read").get("iops").asDouble();
        JsonNode mixed = jobs.get("mixed").get("read");
        double normalizedIops = mixed.get("bw_bytes").asDouble() / 4096;
        System.out.printf(
                "2,000-IOPS limit: 4 KiB %.0f IOPS (%+.2f%%); 4-64 KiB %.0f IOPS = %.0f normalized (%+.2f%%)%n",
                iops,
                (iops / 2000 - 1) * 100,
                mixed.get("iops").asDouble(),
                normalizedIops,
                (normalizedIops / 2000 - 1) * 100);
        assertThat(iops).isBetween(1900.0, 2100.0);
        assertThat(normalizedIops).isBetween(1900.0, 2100.0);
        assertThat(mixed.get("iops").asDouble())
                .as("bigger I/Os count as several")
                .isLessThan(500);
    }

    @Test
    void twoBackloggedVolumesWithWeights1To3Share1To3() throws Exception {
        Map<String, Long> before = won(0);
        Map<String, JsonNode> jobs =
                fio(List.of(job("light", "randread", "4k", 32, 5), job("heavy", "randread", "4k", 32, 5)));
        Map<String, Long> after = won(System.currentTimeMillis());
        double light = jobs.get("light").get("read").get("iops").asDouble();
        double heavy = jobs.get("heavy").get("read").get("iops").asDouble();
        long lightWon = after.get("light") - before.get("light");
        long heavyWon = after.get("heavy") - before.get("heavy");
        System.out.printf(
                "weights 1:3 on a 2,000-IOPS backend: fio saw %.0f and %.0f IOPS (ratio %.3f); of the "
                        + "requests sent while both were ready, %d and %d (ratio %.3f)%n",
                light, heavy, heavy / light, lightWon, heavyWon, (double) heavyWon / lightWon);
        // Judge the scheduler's choices, not what two clients on a busy machine managed to keep queued:
        // whenever both volumes were ready, the weights decided who went.
        assertThat(lightWon + heavyWon).as("both volumes were ready together").isGreaterThan(200);
        assertThat((double) heavyWon / lightWon).isBetween(2.7, 3.3);
        // The backend's 2,000 IOPS bound what fio can see, however fast the machine.
        assertThat(light + heavy).isLessThanOrEqualTo(2200.0);
    }

    /**
     * Each volume's requests sent while another volume was ready too (won by weight or by reservation), from the first
     * stats file written at or after {@code atMillis}.
     */
    private static Map<String, Long> won(long atMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            JsonNode file = JSON.readTree(stats.toFile());
            if (file.get("time-millis").asLong() >= atMillis) {
                Map<String, Long> won = new HashMap<>();
                file.get("volumes")
                        .forEach(v -> won.put(
                                v.get("name").asText(),
                                v.get("won-by-weight").asLong()
                                        + v.get("won-by-reservation").asLong()));
                return won;
            }
            assertThat(System.nanoTime())
                    .as("a stats file written after the run")
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void aReservationHoldsWhileANeighbourFloodsTheBackend() throws Exception {
        Map<String, Long> before = won(0);
        Map<String, JsonNode> jobs =
                fio(List.of(job("reserved", "randread", "4k", 8, 5), job("flood", "randread", "4k", 64, 5)));
        Map<String, Long> after = won(System.currentTimeMillis());
        double reserved = jobs.get("reserved").get("read").get("iops").asDouble();
        double flood = jobs.get("flood").get("read").get("iops").asDouble();
        long reservedWon = after.get("reserved") - before.get("reserved");
        long floodWon = after.get("flood") - before.get("flood");
        double share = (double) reservedWon / (reservedWon + floodWon);
        System.out.printf(
                "reservation 1,000 IOPS vs a weight-9 flood on 2,000 IOPS: fio saw %.0f and %.0f IOPS; of the "
                        + "requests sent while both were ready, %d and %d (reserved share %.3f)%n",
                reserved, flood, reservedWon, floodWon, share);
        // Judge the scheduler's choices while both volumes were ready. By weight alone (1:9) the reserved
        // volume would win 10% of them; its reservation is half the backend, so it wins about half when the
        // backend is the bottleneck, and more on a machine too busy to fill it (it is always behind then).
        assertThat(reservedWon + floodWon)
                .as("both volumes were ready together")
                .isGreaterThan(200);
        assertThat(share).isGreaterThan(0.4);
        // The backend's 2,000 IOPS bound what fio can see, however fast the machine.
        assertThat(reserved + flood).isLessThanOrEqualTo(2200.0);
    }

    @Test
    void limitsChangeUnderLoadWithoutDisconnectingOrCorruptingAnything() throws Exception {
        Tools.require("fio");
        // A small area, so each verify pass is short even at the lowest limit. With verify, a
        // time-based run alternates write passes and verify-read passes, always backlogged.
        CompletableFuture<Tools.Result> fio = CompletableFuture.supplyAsync(() -> {
            try {
                return Tools.run(
                        60,
                        "fio",
                        "--name=live",
                        "--ioengine=nbd",
                        "--verify_state_save=0",
                        "--uri=" + gateway.uri("live"),
                        "--rw=randwrite",
                        "--bs=4k",
                        "--iodepth=16",
                        "--size=2m",
                        "--time_based",
                        "--runtime=11",
                        "--verify=crc32c",
                        "--verify_fatal=1");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Sample start = awaitSample(s -> s.ops() > 0, 0);
        double atFirst = rateFrom(start);
        writeConfig(2000);
        double raised = rateFrom(awaitSample(s -> s.version() != start.version(), 0));
        long raisedVersion = sample().version();
        writeConfig(500);
        double lowered = rateFrom(awaitSample(s -> s.version() != raisedVersion, 0));
        Tools.Result result = fio.get(60, TimeUnit.SECONDS);
        System.out.printf(
                "live changes 1,000 -> 2,000 -> 500 IOPS under load: measured %.0f, %.0f, %.0f IOPS%n",
                atFirst, raised, lowered);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).as(result.output()).contains("err= 0").doesNotContain("verify:", "bad magic");
        // Each limit bounds the rate from above whatever the machine; how close a busy machine's fio comes to
        // it is the machine's business. That each new limit is the one in force, the QoS version shows.
        assertThat(atFirst).isLessThanOrEqualTo(1200.0);
        assertThat(raised).isLessThanOrEqualTo(2300.0);
        assertThat(lowered).isLessThanOrEqualTo(600.0);
        assertThat(sample().version())
                .isEqualTo(TimeUnit.MILLISECONDS.toMicros(
                        Files.getLastModifiedTime(config).toMillis()));
        assertThat(gateway.isAlive()).isTrue();
    }

    /** The live volume's total ops and QoS version as of one stats file. */
    private record Sample(long timeMillis, long ops, long version) {}

    private static Sample sample() throws Exception {
        JsonNode file = JSON.readTree(stats.toFile());
        for (JsonNode volume : file.get("volumes")) {
            if (volume.get("name").asText().equals("live")) {
                return new Sample(
                        file.get("time-millis").asLong(),
                        volume.get("read").get("ops").asLong()
                                + volume.get("write").get("ops").asLong(),
                        volume.get("qos-version").asLong());
            }
        }
        throw new AssertionError("no live volume in " + Files.readString(stats));
    }

    /** The first stats file (rewritten every second) that is at least {@code afterMillis} late and matches. */
    private static Sample awaitSample(Predicate<Sample> condition, long afterMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Sample sample = sample();
            if (sample.timeMillis() >= afterMillis && condition.test(sample)) {
                return sample;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the stats file did not show the expected change");
    }

    /** I/Os per second from {@code from} to the stats file at least 1 s later. */
    private static double rateFrom(Sample from) throws Exception {
        Sample to = awaitSample(s -> true, from.timeMillis() + 1000);
        return (to.ops() - from.ops()) * 1000.0 / (to.timeMillis() - from.timeMillis());
    }
}
