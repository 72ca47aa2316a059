package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.ingest.SampleJournal;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch the database refuses for good (here: a check constraint the test adds) is kept in the rejected journal and
 * does not hold up the batches after it.
 */
class RefusedBatchTest {
    @TempDir
    Path dir;

    @Test
    void aRefusedBatchIsSetAsideAndTheOthersAreStored() throws Exception {
        DbContext context = DbContext.builder()
                .dataDir(dir.resolve("data"))
                .mailboxDir(dir)
                .mailboxName("refused")
                .retryMillis(50)
                .build();
        long t = System.currentTimeMillis() / 1000 * 1000;
        try (DbManager manager = new DbManager(context);
                Mailbox mailbox = Mailbox.open(context.mailboxFile());
                MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
            manager.database().inTransaction(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE samples_1s ADD CONSTRAINT test_ops_bound CHECK (ops < 1000000)");
                }
                return null;
            });
            Reply registered = client.call(
                            MailboxOpcodes.DB_JSON,
                            "{\"op\":\"volume.upsert\",\"actor\":\"system:services\",\"volumeId\":1,\"gatewayId\":7}"
                                    .getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            assertThat(registered.status()).isEqualTo(CallStatus.OK);
            assertThat(send(client, Batches.batch(1, 1, 1, t))).isEqualTo(CallStatus.OK);
            byte[] poison = Batches.batch(2, 1, 1, t + 1000);
            ByteBuffer.wrap(poison)
                    .putLong(SampleBatchDescriptor.SAMPLES_OFFSET + SampleBatchDescriptor.OPS_OFFSET, 5_000_000);
            assertThat(send(client, poison))
                    .as("acknowledged: durable in the journal")
                    .isEqualTo(CallStatus.OK);
            for (long id = 3; id <= 10; id++) {
                assertThat(send(client, Batches.batch(id, 1, 1, t + id * 1000))).isEqualTo(CallStatus.OK);
            }
            for (int i = 0; i < 3_000 && manager.ingestionStatus().degraded(); i++) {
                Thread.sleep(10);
            }
            assertThat(manager.ingestionStatus().degraded()).isFalse();
            long rows = manager.database().inTransaction(c -> {
                try (var s = c.prepareStatement("SELECT COUNT(*) FROM samples_1s");
                        var r = s.executeQuery()) {
                    r.next();
                    return r.getLong(1);
                }
            });
            assertThat(rows).isEqualTo(9 * 2);
        }
        try (SampleJournal rejected = SampleJournal.open(context.rejectedFile(), Long.MAX_VALUE)) {
            assertThat(rejected.records()).isEqualTo(1);
            assertThat(rejected.read(0, 10).batches().getFirst().batchId()).isEqualTo(2);
        }
    }

    private static int send(MailboxClient client, byte[] batch) throws Exception {
        Reply reply = client.call(
                        MailboxOpcodes.DB_APPEND_SAMPLES, SlotFlags.IDEMPOTENT, client.nextCorrelationId(), batch)
                .get(30, TimeUnit.SECONDS);
        return reply.status();
    }
}
