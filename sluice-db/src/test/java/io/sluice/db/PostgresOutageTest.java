package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.store.Database;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.ServerMailboxes;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL stopped and started again under load: what is acknowledged during the outage goes to the journal, the
 * status says degraded, and after the restart every acknowledged batch is stored once and the status is healthy again.
 * The cluster is shared, so it is started again whatever happens.
 */
@Tag("system")
class PostgresOutageTest {
    @TempDir
    Path dir;

    @Test
    void samplesAcknowledgedDuringAnOutageAreJournaledThenStoredOnce() throws Exception {
        try (TestDatabase test = TestDatabase.postgres()) {
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .jdbcUrl(test.url())
                    .jdbcUser(test.user())
                    .jdbcPassword(test.password())
                    .mailboxDir(dir)
                    .mailboxName("outage")
                    .retryMillis(200)
                    .connectTimeoutMillis(500)
                    .build();
            Set<Long> acknowledged;
            BatchSender sender;
            try (DbManager manager = new DbManager(context);
                    Mailbox mailbox = Mailbox.open(context.mailboxFile());
                    MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
                sender = new BatchSender(client, System.currentTimeMillis() / 3_600_000L * 3_600_000L, 2);
                try {
                    sender.await(s -> s.acknowledged().size() >= 50, manager);
                    cluster("stop");
                    sender.await(
                            s -> manager.ingestionStatus().degraded()
                                    && manager.ingestionStatus().journaledSamples() > 0
                                    && s.acknowledged().size() >= 150,
                            manager);
                    IngestionStatus during = manager.ingestionStatus();
                    assertThat(during.degraded()).isTrue();
                    assertThat(during.lastError()).isNotNull();
                } finally {
                    cluster("start");
                }
                int afterOutage = sender.acknowledged().size();
                sender.await(
                        s -> s.acknowledged().size() >= afterOutage + 50
                                && !manager.ingestionStatus().degraded(),
                        manager);
                sender.close();
                acknowledged = new HashSet<>(sender.acknowledged());
                IngestionStatus after = manager.ingestionStatus();
                assertThat(after.degraded()).isFalse();
                assertThat(after.journaledSamples()).isZero();
            }
            try (Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
                StoredSamples.assertEveryAcknowledgedBatchStoredOnce(database, sender, acknowledged);
            }
        }
    }

    @Test
    void aManagerStartedWhileTheDatabaseIsDownJournalsAndMigratesWhenItReturns() throws Exception {
        try (TestDatabase test = TestDatabase.postgres()) {
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .jdbcUrl(test.url())
                    .jdbcUser(test.user())
                    .jdbcPassword(test.password())
                    .mailboxDir(dir)
                    .mailboxName("down")
                    .retryMillis(200)
                    .connectTimeoutMillis(500)
                    .build();
            Set<Long> acknowledged;
            BatchSender sender;
            cluster("stop");
            try (DbManager manager = new DbManager(context);
                    Mailbox mailbox = Mailbox.open(context.mailboxFile());
                    MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
                sender = new BatchSender(client, System.currentTimeMillis() / 3_600_000L * 3_600_000L, 1);
                try {
                    sender.await(
                            s -> s.acknowledged().size() >= 30
                                    && manager.ingestionStatus().degraded(),
                            manager);
                    assertThat(manager.ingestionStatus().journaledSamples()).isPositive();
                } finally {
                    cluster("start");
                }
                int beforeReturn = sender.acknowledged().size();
                sender.await(
                        s -> s.acknowledged().size() >= beforeReturn + 30
                                && !manager.ingestionStatus().degraded(),
                        manager);
                sender.close();
                acknowledged = new HashSet<>(sender.acknowledged());
            } finally {
                cluster("start");
            }
            try (Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
                StoredSamples.assertEveryAcknowledgedBatchStoredOnce(database, sender, acknowledged);
            }
        }
    }

    /** Starting a running cluster is a no-op for this test's purposes (pg_ctlcluster answers 2). */
    private static void cluster(String action) throws Exception {
        String[] cluster = new String(new ProcessBuilder("pg_lsclusters", "-h")
                        .start()
                        .getInputStream()
                        .readAllBytes())
                .trim()
                .split("\\s+");
        Process p = new ProcessBuilder(List.of("pg_ctlcluster", cluster[0], cluster[1], action))
                .inheritIO()
                .start();
        int exit = p.waitFor();
        assertThat(exit == 0 || (action.equals("start") && TestDatabase.listening()))
                .as("pg_ctlcluster " + action)
                .isTrue();
        if (action.equals("start")) {
            for (int i = 0; i < 100 && !TestDatabase.listening(); i++) {
                Thread.sleep(100);
            }
        }
    }
}
