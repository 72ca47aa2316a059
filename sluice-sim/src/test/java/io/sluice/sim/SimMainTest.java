package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import io.sluice.testkit.FakeMonitor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimMainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void runsForItsDurationPrintingSummariesAndExitsOk() throws Exception {
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), TestSims.SECRET);
        try (FakeMonitor monitor = FakeMonitor.forSecret(TestSims.SECRET, 100)) {
            int code = run(
                    "--gateways",
                    "20",
                    "--volumes-per-gateway",
                    "3",
                    "--monitor",
                    "127.0.0.1:" + monitor.address().getPort(),
                    "--secret-file",
                    secret.toString(),
                    "--duration",
                    "2",
                    "--summary-interval=1",
                    "--threads=1",
                    "--ramp-up-ms",
                    "100",
                    "--fault",
                    "silent=0.05");
            assertThat(code).as(err.toString()).isEqualTo(ExitCode.OK);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed)
                .startsWith("sluice sim: 20 gateways x 3 volumes -> 127.0.0.1:")
                .contains("faults silent=0.05")
                .contains("in-session 20")
                .contains("auth accepted/pending/refused 20/0/0");
        assertThat(printed.lines().toList().getLast()).startsWith("sluice sim: stopped: gateways 20 in-session 0");
    }

    @Test
    void badArgumentsAreAUsageError() {
        assertThat(run("--gateways", "10")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("--monitor").contains("usage: sluice sim");
        assertThat(run("--monitor", "localhost:1", "--gateways", "many")).isEqualTo(ExitCode.USAGE);
        assertThat(run("--monitor", "localhost:1", "--frobnicate", "1")).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void missingOrShortSecretIsReported() throws Exception {
        assertThat(run(
                        "--monitor",
                        "localhost:1",
                        "--secret-file",
                        dir.resolve("absent").toString()))
                .isEqualTo(ExitCode.BAD_FILE);
        Path shortSecret = PrivateFiles.writeSecret(dir.resolve("short"), "tiny".getBytes(StandardCharsets.UTF_8));
        assertThat(run("--monitor", "localhost:1", "--secret-file", shortSecret.toString()))
                .isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("at least 16 bytes");
    }

    private int run(String... args) {
        return SimMain.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
    }
}
