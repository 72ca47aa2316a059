package io.sluice.server.web;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.web.harness.Backend;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Stores performance history in the real database manager the way the SLA services forward it: binary
 * {@code DB_APPEND_SAMPLES} batches on the db mailbox (the volume registered first), each answered once the samples are
 * stored. The in-memory harness makes history up on demand; the real database only has what was appended.
 */
final class RecordedHistory {
    /** A caller index of its own, next to the tools' (the seeder holds that one). */
    private static final int CALLER = ServerMailboxes.CALLER_TOOLS + 1;

    private static final int SAMPLES_PER_BATCH = SampleBatchDescriptor.maxSamples(ServerMailboxes.DB.paramCapacity());

    private RecordedHistory() {}

    /** One read sample per second for {@code seconds} seconds ending at {@code to}, at a steady 3,200 IOPS. */
    static void appendSeconds(Backend backend, int volumeId, long to, int seconds) throws Exception {
        try (Mailbox mailbox = Mailbox.open(
                        ServerMailboxes.file(backend.mailboxDir(), backend.serverName(), ServerMailboxes.DB_SUFFIX));
                MailboxClient client = MailboxClient.attach(mailbox, CALLER)) {
            Reply registered = client.call(
                            MailboxOpcodes.DB_JSON,
                            ("{\"op\":\"volume.upsert\",\"actor\":\"system:services\"," + "\"volumeId\":" + volumeId
                                            + ",\"gatewayId\":1}")
                                    .getBytes(StandardCharsets.UTF_8))
                    .get(60, TimeUnit.SECONDS);
            if (registered.status() != 0) {
                throw new AssertionError("volume.upsert failed with status " + registered.status());
            }
            long first = to - seconds * 1_000L;
            for (int done = 0; done < seconds; done += SAMPLES_PER_BATCH) {
                int count = Math.min(SAMPLES_PER_BATCH, seconds - done);
                ByteBuffer buffer = ByteBuffer.allocate(SampleBatchDescriptor.batchLength(count));
                SampleBatchFlyweight batch =
                        new SampleBatchFlyweight().wrap(buffer, 0).begin(first + done);
                for (int i = 0; i < count; i++) {
                    batch.append()
                            .volumeId(volumeId)
                            .direction(IoDirection.READ)
                            .gatewayId(1)
                            .intervalStartMillis(first + (done + i) * 1_000L)
                            .intervalLengthMillis(1_000)
                            .queueDepth(4)
                            .ops(3_200)
                            .bytes(3_200L * 4096)
                            .throttledOps(0)
                            .latencySumMicros(3_200L * 300)
                            .iopsLimit(4_000)
                            .latencyBucket(8, 3_200);
                }
                Reply reply = client.call(
                                MailboxOpcodes.DB_APPEND_SAMPLES,
                                SlotFlags.IDEMPOTENT,
                                client.nextCorrelationId(),
                                buffer.array())
                        .get(60, TimeUnit.SECONDS);
                if (reply.status() != 0) {
                    throw new AssertionError("DB_APPEND_SAMPLES failed with status " + reply.status());
                }
            }
        }
    }
}
