package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets reach the roles in private files; the command line, which every local user reads, takes none. */
class SecretFileOptionsTest {
    @TempDir
    Path dir;

    private Path readableByAll(String name, String content) throws Exception {
        Path file = Files.writeString(dir.resolve(name), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    @Test
    void theMonitorTakesEnrollmentTokensFromAPrivateFileOnly() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        CommandRun onTheLine = CommandRun.sluice("monitor", "--secret-file", secret.toString(), "--token", "enroll-me");
        assertThat(onTheLine.exit()).isNotZero();
        assertThat(onTheLine.err()).contains("--token");
        CommandRun readable = CommandRun.sluice(
                "monitor",
                "--secret-file",
                secret.toString(),
                "--token-file",
                readableByAll("tokens", "enroll-me\n").toString(),
                "--listen",
                "127.0.0.1:0");
        assertThat(readable.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(readable.err()).contains("chmod 600");
    }

    @Test
    void theDatabaseManagerReadsItsUrlFromAPrivateFileAndRefusesAnUnverifiedRemoteLink() throws Exception {
        CommandRun readable = CommandRun.sluice(
                "db",
                "--data-dir",
                dir.toString(),
                "--jdbc-url-file",
                readableByAll("url", "jdbc:postgresql://127.0.0.1/x?password=pw")
                        .toString());
        assertThat(readable.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(readable.err()).contains("chmod 600").doesNotContain("password=pw");
        Path url = PrivateFiles.writeSecret(
                dir.resolve("url.private"), "jdbc:postgresql://127.0.0.1/x".getBytes(StandardCharsets.UTF_8));
        CommandRun both = CommandRun.sluice(
                "db",
                "--data-dir",
                dir.toString(),
                "--jdbc-url-file",
                url.toString(),
                "--jdbc-url",
                "jdbc:postgresql://127.0.0.1/x");
        assertThat(both.exit()).isEqualTo(ExitCode.USAGE);
        CommandRun onTheLine = CommandRun.sluice(
                "db", "--data-dir", dir.toString(), "--jdbc-url", "jdbc:postgresql://127.0.0.1/x?password=pw");
        assertThat(onTheLine.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(onTheLine.err()).contains("--jdbc-url-file").doesNotContain("password=pw");
        CommandRun server = CommandRun.sluice(
                "server",
                "--data-dir",
                dir.toString(),
                "--roles",
                "db",
                "--jdbc-url",
                "jdbc:postgresql://127.0.0.1/x?user=u&password=pw");
        assertThat(server.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(server.err()).contains("database.jdbc-url").doesNotContain("password=pw");
        CommandRun copy = CommandRun.sluice(
                "db", "copy", "--data-dir", dir.toString(), "--to", "jdbc:postgresql://127.0.0.1/x?password=pw");
        assertThat(copy.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(copy.err()).contains("--to-password-file").doesNotContain("password=pw");
        Path remote = PrivateFiles.writeSecret(
                dir.resolve("remote"),
                "jdbc:postgresql://db.example:5432/sluice?password=pw".getBytes(StandardCharsets.UTF_8));
        CommandRun unverified =
                CommandRun.sluice("db", "--data-dir", dir.toString(), "--jdbc-url-file", remote.toString());
        assertThat(unverified.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(unverified.err())
                .contains("db.example")
                .contains("sslmode=verify-full")
                .doesNotContain("password=pw");
    }
}
