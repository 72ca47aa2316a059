package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.store.Database;
import io.sluice.db.store.ReplicationCheck;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.ServerMailboxes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database manager on a PostgreSQL that fails over by itself: two PostgreSQL 15 instances under Debian's Patroni
 * with etcd, on loopback ({@link PatroniCluster}), reached through one multi-host JDBC URL with
 * {@code targetServerType=primary}. Samples stream in from two sender threads throughout a planned switchover and then
 * the primary's host dying (Patroni and PostgreSQL killed with -9, so the replica is promoted only once the leader key
 * expires); the manager journals what it acknowledges while no primary answers and stores it on the new one. At the end
 * every acknowledged sample is in the database exactly once.
 */
@Tag("system")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PatroniFailoverTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedSampleIsStoredOnceAcrossASwitchoverAndTheKillOfThePrimary() throws Exception {
        try (PatroniCluster cluster = PatroniCluster.start()) {
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .jdbcUrl(cluster.url())
                    .jdbcUser(PatroniCluster.USER)
                    .jdbcPassword(PatroniCluster.PASSWORD)
                    .mailboxDir(dir)
                    .mailboxName("ha")
                    .retryMillis(200)
                    .connectTimeoutMillis(1_000)
                    .build();
            Set<Long> acknowledged;
            BatchSender sender;
            List<String> report = new ArrayList<>();
            try (DbManager manager = new DbManager(context);
                    Mailbox mailbox = Mailbox.open(context.mailboxFile());
                    MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
                sender = new BatchSender(client, System.currentTimeMillis() / 3_600_000L * 3_600_000L, 2);
                awaitMore(sender, manager, cluster, 50, "before any failover");

                PatroniCluster.Node first = cluster.leader();
                PatroniCluster.Node second = cluster.switchover();
                report.add("switchover " + first.name + " -> " + second.name + ": " + status(manager));
                awaitMore(sender, manager, cluster, 50, "after the switchover to " + second.name);
                try (Database pair =
                        Database.open(cluster.url(), PatroniCluster.USER, PatroniCluster.PASSWORD, 1, 5_000)) {
                    assertThat(ReplicationCheck.failoverRisk(pair))
                            .as("a synchronous pair: no start-up warning")
                            .isNull();
                }

                second.killHard();
                long killedAt = System.nanoTime();
                cluster.await(
                        120_000, () -> first.is("leader"), first.name + " promoted after " + second.name + " died");
                report.add(second.name + " killed -9, " + first.name + " promoted after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms: " + status(manager));
                awaitMore(sender, manager, cluster, 50, "after the kill of " + second.name);
                sender.close();
                acknowledged = new HashSet<>(sender.acknowledged());
                IngestionStatus end = manager.ingestionStatus();
                assertThat(end.degraded())
                        .as("healthy on the new primary: %s", end)
                        .isFalse();
                assertThat(end.journaledSamples())
                        .as("the journal drained into the new primary")
                        .isZero();
            }
            try (Database database =
                    Database.open(cluster.url(), PatroniCluster.USER, PatroniCluster.PASSWORD, 2, 5_000)) {
                StoredSamples.assertEveryAcknowledgedBatchStoredOnce(database, sender, acknowledged);
                // Alone now, the new primary commits without a standby (Patroni drops the synchronous standby it lost).
                assertThat(ReplicationCheck.failoverRisk(database))
                        .as("one node left")
                        .contains("synchronous_standby_names ''");
            }
            System.out.println("patroni failover: " + acknowledged.size() + " batches acknowledged and stored once; "
                    + String.join("; ", report));
        }
    }

    /** Waits until {@code more} batches more are acknowledged and the manager is healthy (not journaling) again. */
    private static void awaitMore(BatchSender sender, DbManager manager, PatroniCluster cluster, int more, String when)
            throws InterruptedException {
        int from = sender.acknowledged().size();
        try {
            cluster.await(
                    180_000,
                    () -> sender.acknowledged().size() >= from + more
                            && !manager.ingestionStatus().degraded(),
                    more + " more batches acknowledged and stored " + when);
        } catch (AssertionError e) {
            throw new AssertionError("manager: " + status(manager) + "; " + e.getMessage(), e);
        }
    }

    private static String status(DbManager manager) {
        IngestionStatus s = manager.ingestionStatus();
        return "degraded " + s.degraded() + ", journaled " + s.journaledSamples() + ", last error " + s.lastError();
    }
}
