package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.Database;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.ServerMailboxes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of the database manager (a child JVM) in the middle of ingestion through the real mailbox, then a restart:
 * every batch acknowledged before, during and after is stored, none twice.
 */
@Tag("system")
class ManagerKillTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void everyAcknowledgedBatchSurvivesKillNineAndRestartOnce(String engine) throws Exception {
        Path data = dir.resolve("data");
        Path mailboxes = dir.resolve("mailboxes");
        Files.createDirectories(mailboxes);
        try (TestDatabase test = engine.equals("h2") ? null : TestDatabase.postgres()) {
            List<String> database = List.of(DbContext.defaultJdbcUrl(data), "sluice", "");
            if (test != null) {
                Path password = dir.resolve("password");
                Files.writeString(password, test.password());
                database = List.of(test.url(), test.user(), password.toString());
            }
            killAndRestart(data, mailboxes, database, test == null ? "" : test.password());
        }
    }

    private void killAndRestart(Path data, Path mailboxes, List<String> database, String password) throws Exception {
        long base = System.currentTimeMillis() / 3_600_000L * 3_600_000L;
        Process manager = start(data, mailboxes, database);
        Set<Long> acknowledged;
        try (Mailbox mailbox = Mailbox.open(ServerMailboxes.file(mailboxes, "kill", ServerMailboxes.DB_SUFFIX));
                MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
            BatchSender sender = new BatchSender(client, base, 3);
            awaitAcknowledged(sender, 60);
            manager.destroyForcibly().waitFor();
            int beforeRestart = sender.acknowledged().size();
            manager = start(data, mailboxes, database);
            awaitAcknowledged(sender, beforeRestart + 60);
            sender.close();
            acknowledged = new HashSet<>(sender.acknowledged());
            stop(manager);
            try (Database stored = Database.open(database.get(0), database.get(1), password, 2, 2_000)) {
                StoredSamples.assertEveryAcknowledgedBatchStoredOnce(stored, sender, acknowledged);
            }
        } finally {
            manager.destroyForcibly().waitFor();
        }
    }

    private static void awaitAcknowledged(BatchSender sender, int count) throws InterruptedException {
        for (int i = 0; i < 6_000 && sender.acknowledged().size() < count; i++) {
            Thread.sleep(10);
        }
        assertThat(sender.acknowledged().size()).isGreaterThanOrEqualTo(count);
    }

    /** The manager in a child JVM: {@code database} is the JDBC URL, user and password file DbMain takes. */
    private static Process start(Path data, Path mailboxes, List<String> database) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                DbMain.class.getName(),
                data.toString(),
                mailboxes.toString(),
                "kill",
                database.get(0)));
        if (!database.get(2).isEmpty()) {
            command.addAll(database.subList(1, 3));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("db ready")) {
            System.out.println("[db] " + line);
        }
        assertThat(line).as("the manager came up").isNotNull();
        Thread.ofPlatform().daemon(true).start(() -> out.lines().forEach(l -> System.out.println("[db] " + l)));
        return process;
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
}
