package io.sluice.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tarball as an operator gets it: unpacked anywhere, bin/sluice runs the server from lib/ alone. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributionIT {
    @TempDir
    Path dir;

    @Test
    void theUnpackedDistributionRunsTheServerFromItsOwnLibAndConf() throws Exception {
        Path tarball = Path.of(System.getProperty("sluice.dist"));
        assertThat(run(dir, 30, "tar", "xzf", tarball.toString()).exit).isZero();
        Path home = dir.resolve(tarball.getFileName().toString().replace(".tar.gz", ""));
        for (String file : List.of(
                "bin/sluice",
                "conf/sluice.example.yaml",
                "conf/gateway.example.yaml",
                "conf/systemd/sluice.service",
                "conf/grafana/sluice-dashboard.json",
                "conf/prometheus/sluice-alerts.yml",
                "conf/prometheus/sluice-alerts.test.yml",
                "docs/operations.md",
                "README.md")) {
            assertThat(home.resolve(file)).exists();
        }
        assertThat(Files.isExecutable(home.resolve("bin/sluice"))).isTrue();
        try (var jars = Files.list(home.resolve("lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(n -> n.startsWith("sluice-server-"))
                    .anyMatch(n -> n.startsWith("sluice-db-"))
                    .noneMatch(n -> n.startsWith("sluice-bench-") || n.startsWith("agrona") || n.startsWith("netty"));
        }
        Result help = run(dir, 60, home.resolve("bin/sluice").toString(), "--help");
        assertThat(help.exit).as(help.output).isZero();
        assertThat(help.output).contains("server", "demo", "gateway", "status");

        // The supervisor from the distribution, with the monitor role, until it reports the role alive.
        Path secret = Files.writeString(
                Files.createFile(
                        dir.resolve("secret"),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                "distribution-test-secret-0123");
        String name = "sluice-dist-" + ProcessHandle.current().pid();
        Process server = new ProcessBuilder(
                        home.resolve("bin/sluice").toString(),
                        "server",
                        "--roles",
                        "monitor",
                        "--name",
                        name,
                        "--secret-file",
                        secret.toString(),
                        "--listen",
                        "127.0.0.1:0",
                        "--data-dir",
                        dir.resolve("data").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile())
                .start();
        try {
            Path status = dir.resolve("data/run/status.json");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            JsonNode monitor = null;
            while (System.nanoTime() < deadline) {
                if (Files.exists(status)) {
                    JsonNode role = new ObjectMapper()
                            .readTree(status.toFile())
                            .path("roles")
                            .path(0);
                    if (role.path("alive").asBoolean()
                            && role.path("heartbeatAgeMs").asLong(-1) >= 0) {
                        monitor = role;
                        break;
                    }
                }
                Thread.sleep(100);
            }
            assertThat(monitor).as(Files.readString(dir.resolve("server.log"))).isNotNull();
            assertThat(monitor.path("name").asText()).isEqualTo("monitor");
            Result statusCommand = run(
                    dir,
                    60,
                    home.resolve("bin/sluice").toString(),
                    "status",
                    "--run-dir",
                    dir.resolve("data/run").toString());
            assertThat(statusCommand.output).contains("monitor");
        } finally {
            server.destroy();
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
            // The server's mailboxes live in its own directory, /dev/shm/sluice-UID-NAME, which it leaves for a
            // restart.
            Path mailboxes =
                    Path.of("/dev/shm", "sluice-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid") + "-" + name);
            assertThat(Files.getPosixFilePermissions(mailboxes))
                    .containsExactlyInAnyOrder(
                            PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.OWNER_EXECUTE);
            try (var files = Files.list(mailboxes)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(mailboxes);
        }
        assertThat(Files.readString(dir.resolve("server.log"))).contains("stopped monitor");
    }

    private record Result(int exit, String output) {}

    private static Result run(Path dir, int seconds, String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + seconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}
