package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchWriter;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.testkit.Await;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches of reports (SERVICES_STATS_BATCH) through the services' real mailboxes, with a database manager played by a
 * callee thread of this test that records every sample it is handed: each report of a batch is taken once and in the
 * batch's order, a damaged entry is refused alone and a damaged batch whole.
 */
class ServicesReportBatchTest {
    private static final long T0 = 1_800_000_000_000L;
    private final byte[] staging = new byte[ServerMailboxes.SERVICES.paramCapacity()];
    private final ReportBatchWriter batch = new ReportBatchWriter(64).wrap(MemorySegment.ofArray(staging));

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyReportOfABatchIsTakenOnceInOrderAndADamagedEntryCostsOnlyItself() throws Exception {
        Path dir = Path.of("/dev/shm");
        String name = "sluice-svc-batch-" + ProcessHandle.current().pid();
        Path dbFile = ServerMailboxes.file(dir, name, ServerMailboxes.DB_SUFFIX);
        ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
        ServicesConfig config = new ServicesConfig(List.of(), List.of(), List.of());
        try (Mailbox db = Mailbox.create(dbFile, ServerMailboxes.DB, EpochClock.system());
                SampleRecorder recorder = new SampleRecorder(db, samples);
                ServicesDaemon daemon = ServicesDaemon.start(dir, name, config, 100, EpochClock.system(), true);
                Mailbox servicesBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX));
                MailboxClient monitor = MailboxClient.attach(servicesBox, ServerMailboxes.CALLER_MONITOR)) {
            // Two gateways, two intervals each, a report in two parts, and one entry damaged in the middle.
            appendReport(21, 1, 101, T0, false);
            appendReport(22, 1, 201, T0, false);
            appendReport(21, 2, 101, T0 + 1_000, false);
            int damaged = appendReport(22, 99, 299, T0, false);
            appendReport(22, 2, 201, T0 + 1_000, true);
            appendReport(22, 2, 202, T0 + 1_000, false);
            staging[damaged + FrameDescriptor.TYPE_OFFSET] = (byte) FrameType.EVENT.code();
            int length = batch.seal();
            byte[] params = Arrays.copyOf(staging, length);
            CompletableFuture<Reply> answered = monitor.call(MailboxOpcodes.SERVICES_STATS_BATCH, params);

            Reply reply = answered.get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(CallStatus.OK);
            Await.until(30_000, () -> samples.size() >= 5);
            assertThat(List.copyOf(samples))
                    .as("every report once, in the batch's order; the damaged entry not at all")
                    .containsExactly(
                            "21:101:" + T0,
                            "22:201:" + T0,
                            "21:101:" + (T0 + 1_000),
                            "22:201:" + (T0 + 1_000),
                            "22:202:" + (T0 + 1_000));
            assertThat(daemon.reports()).isEqualTo(5);
            assertThat(daemon.reportEntriesRefused()).isEqualTo(1);

            // A batch whose header lies about its length is refused whole, with a typed status, and takes nothing.
            ByteBuffer.wrap(params).putInt(0, length + 100);
            assertThat(monitor.call(MailboxOpcodes.SERVICES_STATS_BATCH, params)
                            .get(30, TimeUnit.SECONDS)
                            .status())
                    .isEqualTo(CallStatus.INVALID);
            assertThat(daemon.reportEntriesRefused()).isEqualTo(2);
            assertThat(daemon.reports()).isEqualTo(5);

            // Single reports still go as they did, after the batch's: the same path, the same order.
            byte[] single = new byte[StatsDescriptor.frameLength(1)];
            writeStats(ByteBuffer.wrap(single), 21, 3, 101, T0 + 2_000, false);
            assertThat(monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, single)
                            .get(30, TimeUnit.SECONDS)
                            .status())
                    .isEqualTo(CallStatus.OK);
            Await.until(30_000, () -> samples.size() >= 6);
            assertThat(List.copyOf(samples)).hasSize(6).endsWith("21:101:" + (T0 + 2_000));
        } finally {
            for (String suffix : List.of(
                    ServerMailboxes.SERVICES_SUFFIX,
                    ServerMailboxes.SERVICES_QUERIES_SUFFIX,
                    ServerMailboxes.MONITOR_SUFFIX,
                    ServerMailboxes.DB_SUFFIX)) {
                Files.deleteIfExists(ServerMailboxes.file(dir, name, suffix));
            }
            Files.deleteIfExists(ServerMailboxes.directory(dir, name));
        }
    }

    /** Appends a one-volume STATS frame to the batch; returns its offset in the staging buffer. */
    private int appendReport(long gateway, long reportSequence, int volumeId, long intervalStart, boolean more) {
        int length = StatsDescriptor.frameLength(1);
        int offset = batch.reserve(length);
        assertThat(offset).isPositive();
        writeStats(
                ByteBuffer.wrap(staging, offset, length).slice(),
                gateway,
                reportSequence,
                volumeId,
                intervalStart,
                more);
        return offset;
    }

    private static void writeStats(
            ByteBuffer at, long gateway, long reportSequence, int volumeId, long intervalStart, boolean more) {
        StatsWriter writer = new StatsWriter();
        assertThat(writer.begin(at, 1, gateway, more, reportSequence, reportSequence, intervalStart, 1_000, 1))
                .isTrue();
        writer.volume(0)
                .volumeId(volumeId)
                .capacityBytes(1L << 30)
                .usedBytes(1L << 20)
                .ops(IoDirection.READ, 100)
                .bytes(IoDirection.READ, 409_600);
        writer.commit();
    }

    /** The database manager: answers every call OK and records each read sample as gateway:volume:interval start. */
    private static final class SampleRecorder implements AutoCloseable {
        private final MailboxCallee callee;
        private final Thread thread;
        private volatile boolean running = true;

        SampleRecorder(Mailbox mailbox, ConcurrentLinkedQueue<String> samples) {
            callee = MailboxCallee.attach(mailbox);
            SampleBatchFlyweight batch = new SampleBatchFlyweight();
            thread = Thread.ofPlatform().name("sample-recorder").start(() -> {
                while (running) {
                    callee.poll(
                            request -> {
                                if (request.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
                                    batch.wrap(
                                            request.params()
                                                    .asSlice(0, request.length())
                                                    .asByteBuffer(),
                                            0);
                                    List<String> read = new ArrayList<>();
                                    for (int i = 0; batch.isWellFormed(request.length()) && i < batch.count(); i++) {
                                        batch.sample(i);
                                        if (batch.direction() == IoDirection.READ) {
                                            read.add(batch.gatewayId() + ":" + batch.volumeId() + ":"
                                                    + batch.intervalStartMillis());
                                        }
                                    }
                                    samples.addAll(read);
                                    request.reply(CallStatus.OK, 0);
                                } else {
                                    request.reply(
                                            CallStatus.OK,
                                            ParamWriter.of("{\"items\": [], \"next\": null}"
                                                    .getBytes(StandardCharsets.UTF_8)));
                                }
                            },
                            64);
                    callee.awaitRequests(TimeUnit.MILLISECONDS.toNanos(10));
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
            callee.close();
        }
    }
}
