package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call the database manager took and cannot finish (another session holds an exclusive lock on the table it reads)
 * makes the manager unhealthy once the call outlives the stuck-call deadline, so that its supervisor restarts it;
 * answered at last, the manager is healthy again.
 */
@Tag("system")
class PostgresWedgedCallTest {
    @TempDir
    Path dir;

    @Test
    void aCallLeftUnansweredPastTheDeadlineMakesTheManagerUnhealthy() throws Exception {
        ManualEpochClock clock = new ManualEpochClock(System.currentTimeMillis());
        try (TestDatabase test = TestDatabase.postgres()) {
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .jdbcUrl(test.url())
                    .jdbcUser(test.user())
                    .jdbcPassword(test.password())
                    .mailboxDir(dir)
                    .mailboxName("wedged")
                    .clock(clock)
                    .build();
            try (DbManager manager = new DbManager(context);
                    Mailbox mailbox = Mailbox.open(context.mailboxFile());
                    MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_WEB);
                    Connection blocker = DriverManager.getConnection(test.url(), test.user(), test.password());
                    Statement s = blocker.createStatement()) {
                blocker.setAutoCommit(false);
                s.execute("LOCK TABLE volumes IN ACCESS EXCLUSIVE MODE");
                CompletableFuture<Reply> list = client.call(
                        MailboxOpcodes.DB_JSON,
                        "{\"op\":\"volume.list\",\"actor\":\"user:a\"}".getBytes(StandardCharsets.UTF_8));
                Await.until(
                        30_000,
                        () -> MailboxSnapshot.take(mailbox).slots().stream()
                                .anyMatch(slot -> slot.state().equals("TAKEN")));
                assertThat(manager.problem()).isNull();
                clock.advance(DbManager.STUCK_CALL_MILLIS + 1);
                assertThat(manager.problem())
                        .startsWith("1 call(s) taken and not answered")
                        .contains("caller " + ServerMailboxes.CALLER_WEB);
                blocker.rollback();
                assertThat(list.get(30, TimeUnit.SECONDS).status()).isZero();
                assertThat(manager.problem()).isNull();
            }
        }
    }
}
