package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.EntryInfo;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import io.sluice.testkit.SluiceJvm;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice server --single-process}: every role in one JVM, talking through the mailboxes, stopped in reverse
 * order.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@Tag("system")
class SingleProcessServerTest {
    @TempDir
    Path dir;

    @Test
    void allRolesRunInOneJvmThroughTheMailboxesAndStopInReverseOrder() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "single-process-secret-0123456789".getBytes(StandardCharsets.UTF_8));
        String name = "sluice-sp-" + ProcessHandle.current().pid();
        int webPort = ServerHarness.freePort();
        Path log = dir.resolve("server.log");
        Process server = SluiceJvm.command(
                        SluiceJvm.classPath(),
                        List.of(),
                        List.of(
                                "server",
                                "--single-process",
                                "--name",
                                name,
                                "--data-dir",
                                dir.resolve("data").toString(),
                                "--secret-file",
                                secret.toString(),
                                "--listen",
                                "127.0.0.1:0",
                                "--web-listen",
                                "127.0.0.1:" + webPort))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            Path dbBox = ServerMailboxes.file(Path.of("/dev/shm"), name, ServerMailboxes.DB_SUFFIX);
            Path monitorBox = ServerMailboxes.file(Path.of("/dev/shm"), name, ServerMailboxes.MONITOR_SUFFIX);
            Await.until(
                    120_000, () -> attachedCallee(dbBox) == server.pid() && attachedCallee(monitorBox) == server.pid());
            try (JsonMailbox db = new JsonMailbox(dbBox, MailboxOpcodes.DB_JSON)) {
                assertThat(db.call(JsonMailbox.request("status"), 30).ok()).isTrue();
            }
            try (JsonMailbox services = new JsonMailbox(
                    ServerMailboxes.file(Path.of("/dev/shm"), name, ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                    MailboxOpcodes.SERVICES_JSON)) {
                Await.until(60_000, () -> {
                    try {
                        return services.call(JsonMailbox.request("status"), 5).ok();
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
            Await.until(60_000, () -> {
                try {
                    var c = (HttpURLConnection) URI.create("http://127.0.0.1:" + webPort + "/api/openapi.json")
                            .toURL()
                            .openConnection();
                    return c.getResponseCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            server.destroy();
            assertThat(server.waitFor(90, TimeUnit.SECONDS)).isTrue();
            // The server's mailboxes are in its own directory, which it leaves for a restart; the test owns its
            // removal.
            Path mailboxes = ServerMailboxes.directory(Path.of("/dev/shm"), name);
            try (var files = Files.list(mailboxes)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(mailboxes);
        }
        List<String> stopped = Files.readAllLines(log).stream()
                .filter(l -> l.contains(" stopped "))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .toList();
        assertThat(stopped).as(Files.readString(log)).containsExactly("web", "monitor", "services", "db");
    }

    /** The pid of the callee attached to a mailbox, or 0. */
    private static long attachedCallee(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        try (Mailbox box = Mailbox.open(file)) {
            for (int i = 0; i < box.geometry().maxCallees(); i++) {
                EntryInfo callee = box.calleeEntry(i);
                if (callee.pid() != 0) {
                    return callee.pid();
                }
            }
        } catch (RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
