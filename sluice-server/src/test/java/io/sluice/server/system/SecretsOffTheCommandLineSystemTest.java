package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.server.TestSupervision;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerConfig;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.Supervisor;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database manager and the monitor under the real supervisor, the database a real PostgreSQL whose URL carries the
 * password: every local user can read a process's command line (ps, /proc/PID/cmdline), so neither the URL nor the
 * deployment secret may be there, and the logs print the URL redacted.
 */
@Tag("system")
class SecretsOffTheCommandLineSystemTest {
    private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final byte[] SECRET = "deployment-secret-never-on-a-command-line".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void theJdbcUrlAndTheSecretsAreInNoCommandLineAndNoLog() throws Exception {
        String database = "sluice_secrets_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "sluice", "sluice");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String url = "jdbc:postgresql://127.0.0.1:5432/" + database + "?user=sluice&password=sluice";
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        ServerSettings settings = ServerSettings.resolve(
                ServerConfig.EMPTY,
                new ServerConfig(
                        "sluice-secrets-" + ProcessHandle.current().pid(),
                        dir.resolve("data").toString(),
                        null,
                        null,
                        secret.toString(),
                        TestSupervision.HEARTBEAT_TIMEOUT_MILLIS,
                        List.of("db", "monitor"),
                        null,
                        new ServerConfig.Monitor(
                                "127.0.0.1:" + ServerHarness.freePort(), 1_000L, List.of("1"), null, 1),
                        null,
                        new ServerConfig.Database(url, null, null, null, null),
                        null));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Supervisor supervisor = new Supervisor(
                settings.runDir(),
                RoleCatalog.mailboxes(settings),
                RoleCatalog.roles(settings),
                classpath,
                settings.heartbeatTimeoutMillis(),
                EpochClock.system(),
                log::add);
        Path dbLog = settings.runDir().resolve("logs").resolve("db.log");
        try {
            supervisor.start();
            Await.until(60_000, () -> read(dbLog).contains("db running"));
            Await.until(60_000, () -> connectedTo(database));
            for (Supervisor.RoleStatus role : supervisor.status()) {
                String cmdline = new String(
                                Files.readAllBytes(Path.of("/proc", Long.toString(role.pid()), "cmdline")),
                                StandardCharsets.UTF_8)
                        .replace('\0', ' ');
                assertThat(cmdline)
                        .as(role.name() + "'s command line")
                        .contains(" " + role.name() + " ")
                        .doesNotContain("password")
                        .doesNotContain("jdbc:")
                        .doesNotContain(new String(SECRET, StandardCharsets.UTF_8));
            }
            assertThat(read(dbLog))
                    .as("the URL is printed redacted")
                    .contains("password=***")
                    .doesNotContain("password=sluice");
            assertThat(String.join("\n", log)).doesNotContain("password=sluice");
            Path urlFile = RoleCatalog.jdbcUrlFile(settings);
            assertThat(PosixPermissions.of(urlFile)).isEqualTo("rw-------");
            assertThat(PosixPermissions.of(urlFile.getParent())).isEqualTo("rwx------");
        } finally {
            supervisor.close();
            RoleCatalog.removeMailboxes(settings);
            try (Connection c = DriverManager.getConnection(ADMIN_URL, "sluice", "sluice");
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
        try (var logs = Files.list(settings.runDir().resolve("logs"))) {
            for (Path file : logs.toList()) {
                assertThat(read(file))
                        .as(file.toString())
                        .doesNotContain("password=sluice")
                        .doesNotContain(new String(SECRET, StandardCharsets.UTF_8));
            }
        }
    }

    /** The database manager holds a connection to the test's database: it read the URL from its file. */
    private static boolean connectedTo(String database) {
        try (Connection c = DriverManager.getConnection(ADMIN_URL, "sluice", "sluice");
                Statement s = c.createStatement();
                ResultSet r =
                        s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database + "'")) {
            return r.next() && r.getLong(1) > 0;
        } catch (SQLException e) {
            return false;
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class PosixPermissions {
        static String of(Path path) throws IOException {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        }
    }
}
