package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayStatsTest {
    @TempDir
    Path dir;

    @Test
    void showsEachVolumeAndDirectionAndSaysClearlyWhenThereIsNoFile() throws Exception {
        Path file = dir.resolve("stats.json");
        Files.writeString(file, """
                {"time-millis": 1, "volumes": [{"name": "db", "id": 1, "read": {"ops": 1608, "bytes": 6586368,
                 "queue-depth": 2, "peak-queue-depth": 4, "throttled-nanos": 5000000,
                 "total-latency": {"p50-micros": 88, "p99-micros": 4895}, "backend-latency": {"p99-micros": 175}},
                 "write": {"ops": 7, "bytes": 28672}}], "monitor-link": {"state": "IN_SESSION"}}""");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = GatewayStats.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                "--stats-file",
                file.toString());
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("db", "1608", "6586368", "4895", "IN_SESSION")
                .containsPattern("db\\s+1 write\\s+7");

        assertThat(GatewayStats.run(
                        System.out,
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        "--stats-file",
                        dir.resolve("missing").toString()))
                .isEqualTo(ExitCode.FAILURE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is a gateway running");
        Files.writeString(file, "{not json");
        assertThat(GatewayStats.run(System.out, System.err, "--stats-file", file.toString()))
                .isEqualTo(ExitCode.BAD_FILE);
        assertThat(GatewayStats.run(System.out, System.err)).isEqualTo(ExitCode.USAGE);
    }
}
