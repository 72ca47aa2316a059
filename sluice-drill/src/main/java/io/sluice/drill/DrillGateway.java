package io.sluice.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.SluiceJvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code sluice gateway} process in front of a file, listing both monitors of the pair (plaintext, as the
 * monitors are configured), and fio on it through the nbd engine the whole time: one run after another, each writing
 * with {@code verify=crc32c} and then verifying, until {@link #stopFio} lets the current run finish. Every run must
 * exit 0; a run that does not is kept with its error output. Threads: the runs go one after another in a thread of
 * their own, which alone writes the run count, bytes and failures, under this object's monitor; the drill reads them
 * under it too.
 */
final class DrillGateway implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FIO_RUN_SECONDS = 15;

    private final Path dir;
    private final Path stats;
    private final int nbdPort;
    private final Process gateway;
    private final List<String> fioFailures = new ArrayList<>();
    private volatile boolean fioStopping;
    private Thread fioLoop;
    private int fioRuns;
    private long fioWrittenBytes;

    DrillGateway(Path dir, long gatewayId, List<String> monitors, String classpath) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.stats = dir.resolve("gateway-stats.json");
        this.nbdPort = PairServer.freePort();
        try (RandomAccessFile disk =
                new RandomAccessFile(dir.resolve("disk.img").toFile(), "rw")) {
            disk.setLength(64L << 20);
        }
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:%d
                stats-file: %s
                exports:
                  - name: disk
                    target: %s
                monitor:
                  address: [%s]
                  gateway-id: %d
                  secret-file: %s
                  heartbeat-ms: 500
                  backoff-min-ms: 100
                  backoff-max-ms: 1000
                  insecure-plaintext: true
                """.formatted(
                        nbdPort,
                        stats,
                        dir.resolve("disk.img"),
                        String.join(", ", monitors),
                        gatewayId,
                        dir.getParent().resolve("secret")));
        gateway = SluiceJvm.startGateway(classpath, config, dir.resolve("gateway.log"));
    }

    /** The stats file's {@code monitor-link} part (LinkStatus), or an empty node while none is written. */
    JsonNode link() {
        try {
            return JSON.readTree(stats.toFile()).path("monitor-link");
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    boolean alive() {
        return gateway.isAlive();
    }

    /** The gateway's log's last lines, for a failure message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("gateway.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Starts fio's runs, one after another, in a thread of their own. */
    void startFio() {
        fioLoop = Thread.ofPlatform().name("drill-fio").daemon().start(() -> {
            while (!fioStopping) {
                try {
                    runFioOnce();
                } catch (IOException e) {
                    synchronized (this) {
                        fioFailures.add("fio could not run: " + e.getMessage());
                    }
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private void runFioOnce() throws IOException, InterruptedException {
        int run;
        synchronized (this) {
            run = ++fioRuns;
        }
        Path out = dir.resolve("fio-" + run + ".json");
        Path err = dir.resolve("fio-" + run + ".err");
        Process fio = new ProcessBuilder(
                        "fio",
                        "--name=verify",
                        "--ioengine=nbd",
                        "--uri=nbd://127.0.0.1:" + nbdPort + "/disk",
                        "--rw=randwrite",
                        "--bs=4k",
                        "--iodepth=8",
                        "--size=16m",
                        "--time_based",
                        "--runtime=" + FIO_RUN_SECONDS,
                        "--verify=crc32c",
                        "--verify_backlog=128",
                        "--verify_fatal=1",
                        "--verify_state_save=0",
                        "--output-format=json",
                        "--output=" + out)
                .redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!fio.waitFor(FIO_RUN_SECONDS + 300, TimeUnit.SECONDS)) {
            fio.destroyForcibly().waitFor();
            synchronized (this) {
                fioFailures.add("fio run " + run + " did not finish within " + (FIO_RUN_SECONDS + 300) + " s");
            }
            return;
        }
        JsonNode job = readJson(out).path("jobs").path(0);
        synchronized (this) {
            fioWrittenBytes += job.path("write").path("io_bytes").asLong();
            if (fio.exitValue() != 0 || job.path("error").asInt() != 0) {
                fioFailures.add("fio run " + run + " exit " + fio.exitValue() + ", error "
                        + job.path("error").asInt() + ": "
                        + Files.readString(err).strip());
            }
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** Lets the current fio run finish (verifying what it wrote) and starts no other. */
    void stopFio() throws InterruptedException {
        fioStopping = true;
        if (fioLoop != null) {
            fioLoop.join(TimeUnit.SECONDS.toMillis(FIO_RUN_SECONDS + 330));
        }
    }

    synchronized int fioRuns() {
        return fioRuns;
    }

    synchronized long fioWrittenBytes() {
        return fioWrittenBytes;
    }

    synchronized List<String> fioFailures() {
        return List.copyOf(fioFailures);
    }

    @Override
    public void close() throws InterruptedException {
        fioStopping = true;
        gateway.destroy();
        if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
            gateway.destroyForcibly().waitFor();
        }
    }
}
