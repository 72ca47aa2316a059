package io.sluice.bench.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One fio process of a control-real regime: the nbd engine, 4 KiB I/O for a fixed time, its JSON report in
 * {@code name.json} and its messages in {@code name.out}. The driving thread tends the topology while it waits.
 */
final class FioLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the driving thread does every 100 ms while it waits: tend the supervisor, watch the stats files. */
    interface Tending {
        void tend() throws IOException;
    }

    private final Process process;
    private final Path name;
    private final int seconds;

    private FioLoad(Process process, Path name, int seconds) {
        this.process = process;
        this.name = name;
        this.seconds = seconds;
    }

    /**
     * Starts fio on {@code uri} for {@code seconds}, with {@code extra} options; {@code started} is told the process.
     */
    static FioLoad start(String uri, Path name, int seconds, List<String> extra, TopologyTeardown teardown)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "fio",
                "--name=" + name.getFileName(),
                "--ioengine=nbd",
                "--uri=" + uri,
                "--bs=4k",
                "--time_based",
                "--runtime=" + seconds,
                "--output-format=json",
                "--output=" + name + ".json"));
        command.addAll(extra);
        Process fio = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Path.of(name + ".out").toFile())
                .start();
        teardown.load(fio);
        return new FioLoad(fio, name, seconds);
    }

    /** Waits for fio to end (its runtime and a generous margin), tending; the I/Os it completed. */
    long awaitTotalIos(Tending tending) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 60L);
        while (!process.waitFor(100, TimeUnit.MILLISECONDS)) {
            tending.tend();
            if (System.nanoTime() > deadline) {
                throw new IOException("fio " + name.getFileName() + " did not end");
            }
        }
        if (process.exitValue() != 0) {
            throw new IOException("fio " + name.getFileName() + " failed: " + Files.readString(Path.of(name + ".out")));
        }
        String text = Files.readString(Path.of(name + ".json"), StandardCharsets.UTF_8);
        JsonNode job =
                JSON.readTree(text.substring(text.indexOf('{'))).get("jobs").get(0);
        return job.get("read").get("total_ios").asLong()
                + job.get("write").get("total_ios").asLong();
    }

    /** Kills fio if it is still running (a regime that failed half way). */
    void stop() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
