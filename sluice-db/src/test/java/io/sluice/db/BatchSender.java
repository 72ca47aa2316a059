package io.sluice.db;

import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test caller like the SLA services: threads that each send numbered sample batches through the real mailbox, one at
 * a time, retrying a batch until it is acknowledged OK, and recording the ids acknowledged. Batch {@code id} holds 2
 * volumes x 2 directions at second {@code base + id}; like the services, it registers the volumes when the database
 * manager says it does not know them.
 */
final class BatchSender implements AutoCloseable {
    static final int SAMPLES_PER_BATCH = 4;
    private final MailboxClient client;
    private final long baseMillis;
    private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    BatchSender(MailboxClient client, long baseMillis, int threadCount) {
        this.client = client;
        this.baseMillis = baseMillis;
        for (int i = 0; i < threadCount; i++) {
            long firstId = 1 + i * 100_000L;
            threads.add(Thread.ofPlatform().name("test-sender-" + i).start(() -> send(firstId)));
        }
    }

    private void register() throws Exception {
        for (int volumeId = 1; volumeId <= 2; volumeId++) {
            client.call(
                            MailboxOpcodes.DB_JSON,
                            ("{\"op\":\"volume.upsert\",\"actor\":\"system:services\",\"volumeId\":" + volumeId
                                            + ",\"gatewayId\":7}")
                                    .getBytes(StandardCharsets.UTF_8))
                    .get(120, TimeUnit.SECONDS);
        }
    }

    long millisOf(long id) {
        return baseMillis + id * 1000L;
    }

    private void send(long firstId) {
        for (long id = firstId; running; id++) {
            byte[] batch = Batches.batch(id, 1, 2, millisOf(id));
            while (true) {
                try {
                    Reply reply = client.call(
                                    MailboxOpcodes.DB_APPEND_SAMPLES,
                                    SlotFlags.IDEMPOTENT,
                                    client.nextCorrelationId(),
                                    batch)
                            .get(120, TimeUnit.SECONDS);
                    if (reply.status() == CallStatus.OK) {
                        acknowledged.add(id);
                        pace();
                        break;
                    }
                    if (reply.status() == CallStatus.NOT_FOUND) {
                        register();
                    }
                } catch (Exception e) {
                    // Not posted (mailbox full) or timed out: send the same batch again.
                }
                if (!running) {
                    return;
                }
                sleep();
            }
        }
    }

    /** A steady load like the services' (a batch per poll interval each), not a flood. */
    private static void pace() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns once {@code condition} holds of this sender (two minutes at most: a database on a loaded machine is slow,
     * not wrong); a failure says how the manager's ingestion stood and how many batches were acknowledged.
     */
    void await(Predicate<BatchSender> condition, DbManager manager) throws InterruptedException {
        Await.until(
                "the sender's condition",
                120_000,
                () -> condition.test(this),
                () -> "ingestion " + manager.ingestionStatus() + ", " + acknowledged.size() + " acknowledged");
    }

    Set<Long> acknowledged() {
        return acknowledged;
    }

    /** Stops after the batch each thread is sending is answered. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(150_000);
        }
    }
}
