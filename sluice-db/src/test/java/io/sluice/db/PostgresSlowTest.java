package io.sluice.db;

import io.sluice.db.store.Database;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.ServerMailboxes;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL that answers too slowly (another session holds an exclusive lock on the samples table): stores time out,
 * samples go to the journal and are acknowledged, and once the lock is gone the journal drains, every acknowledged
 * batch stored once.
 */
@Tag("system")
class PostgresSlowTest {
    @TempDir
    Path dir;

    @Test
    void storesThatTimeOutGoToTheJournalAndDrainLater() throws Exception {
        try (TestDatabase test = TestDatabase.postgres()) {
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .jdbcUrl(test.url())
                    .jdbcUser(test.user())
                    .jdbcPassword(test.password())
                    .mailboxDir(dir)
                    .mailboxName("slow")
                    .retryMillis(200)
                    .storeTimeoutMillis(500)
                    .build();
            Set<Long> acknowledged;
            BatchSender sender;
            try (DbManager manager = new DbManager(context);
                    Mailbox mailbox = Mailbox.open(context.mailboxFile());
                    MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
                sender = new BatchSender(client, System.currentTimeMillis() / 3_600_000L * 3_600_000L, 1);
                sender.await(s -> s.acknowledged().size() >= 20, manager);
                try (Connection blocker = DriverManager.getConnection(test.url(), test.user(), test.password());
                        Statement s = blocker.createStatement()) {
                    blocker.setAutoCommit(false);
                    s.execute("LOCK TABLE samples_1s IN ACCESS EXCLUSIVE MODE");
                    int beforeLock = sender.acknowledged().size();
                    sender.await(
                            x -> x.acknowledged().size() >= beforeLock + 30
                                    && manager.ingestionStatus().degraded()
                                    && manager.ingestionStatus().journaledSamples() > 0,
                            manager);
                    blocker.rollback();
                }
                int afterLock = sender.acknowledged().size();
                sender.await(
                        s -> s.acknowledged().size() >= afterLock + 20
                                && !manager.ingestionStatus().degraded(),
                        manager);
                sender.close();
                acknowledged = new HashSet<>(sender.acknowledged());
            }
            try (Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
                StoredSamples.assertEveryAcknowledgedBatchStoredOnce(database, sender, acknowledged);
            }
        }
    }
}
