package io.sluice.server.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.protocol.MailboxOpcodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor with a real monitor role in its own JVM: kill -9, restart, calls that survive it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SupervisorTest {
    @TempDir
    Path dir;

    @Test
    void killedRoleIsRestartedAndServesTheCallsPostedWhileItWasDown() throws Exception {
        Path secret = dir.resolve("secret");
        PrivateFiles.writeSecret(secret, "supervisor-test-secret-0123456789".getBytes(StandardCharsets.UTF_8));
        String name = "sluice-suptest-" + ProcessHandle.current().pid();
        Path monitorBox = ServerMailboxes.file(SupervisedRoles.SHM, name, ServerMailboxes.MONITOR_SUFFIX);
        Path servicesBox = ServerMailboxes.file(SupervisedRoles.SHM, name, ServerMailboxes.SERVICES_SUFFIX);
        // A foreign file of ours where a mailbox should be: moved aside and recreated, not a crash loop.
        PrivateFiles.ensureDirectory(monitorBox.getParent());
        Files.writeString(PrivateFiles.ensureFile(monitorBox), "not a mailbox");
        Map<Path, MailboxGeometry> mailboxes = new LinkedHashMap<>();
        mailboxes.put(monitorBox, MonitorDaemon.MONITOR_MAILBOX);
        mailboxes.put(servicesBox, MonitorDaemon.SERVICES_MAILBOX);
        // Supervision is what is judged here, not the gateway link: plaintext, said explicitly.
        RoleSpec monitor = new RoleSpec(
                "monitor",
                List.of(
                        "monitor",
                        "--listen",
                        "127.0.0.1:0",
                        "--secret-file",
                        secret.toString(),
                        "--mailbox-dir",
                        "/dev/shm",
                        "--mailbox-name",
                        name,
                        "--status-every",
                        "0",
                        "--insecure-plaintext"),
                monitorBox);
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        // Hung-role detection is judged here (SIGSTOP below): a short heartbeat timeout of its own.
        try (Supervisor supervisor = SupervisedRoles.supervise(dir, mailboxes, monitor, 3_000, log)) {
            assertThat(log).anyMatch(line -> line.contains("unusable") && line.contains("moved to"));
            supervisor.start();
            try (Mailbox box = Mailbox.open(monitorBox);
                    MailboxClient client = MailboxClient.attach(box, 5)) {
                Reply first =
                        client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(60, TimeUnit.SECONDS);
                assertThat(first.status()).isEqualTo(MailboxStatus.OK);

                long pid = SupervisedRoles.killRole(supervisor);
                // Posted while no monitor runs: the slot keeps it until the restarted role takes it.
                CompletableFuture<Reply> during = client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]);
                long killedAt = System.nanoTime();
                SupervisedRoles.awaitRestarts(supervisor, 1, 60_000);
                long restartMillis = (System.nanoTime() - killedAt) / 1_000_000;
                assertThat(supervisor.status().getFirst().pid()).isNotEqualTo(pid);
                assertThat(during.get(60, TimeUnit.SECONDS).status()).isEqualTo(MailboxStatus.OK);
                assertThat(log).anyMatch(line -> line.contains("restarted monitor"));
                assertThat(Files.readString(dir.resolve("run").resolve("status.json")))
                        .contains("\"restarts\" : 1");
                System.out.println("monitor restarted " + restartMillis + " ms after kill -9");

                // Frozen (SIGSTOP): alive, but its mailbox heartbeat stops; the supervisor kills and restarts it.
                long frozen = supervisor.status().getFirst().pid();
                new ProcessBuilder("kill", "-STOP", Long.toString(frozen))
                        .start()
                        .waitFor();
                SupervisedRoles.awaitRestarts(supervisor, 2, 60_000);
                assertThat(log).anyMatch(line -> line.contains("heartbeat stopped"));
                assertThat(client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0])
                                .get(60, TimeUnit.SECONDS)
                                .status())
                        .isEqualTo(MailboxStatus.OK);
            }
        } finally {
            SupervisedRoles.removeMailboxDirectory(monitorBox);
        }
    }
}
