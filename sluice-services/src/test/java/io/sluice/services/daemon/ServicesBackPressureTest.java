package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.mailbox.SlotState;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.sim.storage.SimulatedBackend;
import io.sluice.testkit.Await;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The services daemon through its real mailboxes with a database manager that stores nothing for a while and then
 * catches up (a callee thread of this test): the services push back instead of dropping samples. Nothing here depends
 * on how fast the machine is: the monitor's side posts until the services' mailbox is full because the services stopped
 * taking reports, whenever that happens.
 */
class ServicesBackPressureTest {
    /** Volumes per report: 100 samples a report, so the forwarder's 64 batches fill after about 1,000 reports. */
    private static final int VOLUMES = 50;

    private static final long GATEWAY = 11;
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aDatabaseManagerThatFallsBehindHoldsTheReportsBackAndNoSampleIsLost() throws Exception {
        Path dir = Path.of("/dev/shm");
        String name = "sluice-svc-bp-" + ProcessHandle.current().pid();
        Path dbFile = ServerMailboxes.file(dir, name, ServerMailboxes.DB_SUFFIX);
        SimulatedBackend backend = new SimulatedBackend(100_000, 200, 5);
        for (int v = 1; v <= VOLUMES; v++) {
            backend.addVolume(v, GATEWAY).demand(100);
        }
        // Which (report, volume, direction) samples were stored: written by the database thread before it adds
        // to samplesStored, read after that count is seen.
        BitSet stored = new BitSet();
        AtomicLong samplesStored = new AtomicLong();
        CountDownLatch catchUp = new CountDownLatch(1);
        long base = System.currentTimeMillis();
        long posted = 0;
        try (Mailbox db = Mailbox.create(dbFile, ServerMailboxes.DB, EpochClock.system());
                BehindDatabase database = new BehindDatabase(db, catchUp, base, stored, samplesStored);
                ServicesDaemon daemon = ServicesDaemon.start(
                        dir,
                        name,
                        new ServicesConfig(List.of(), List.of(), List.of()),
                        100,
                        EpochClock.system(),
                        true);
                Mailbox servicesBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX));
                Mailbox queriesBox =
                        Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                MailboxClient web = MailboxClient.attach(queriesBox, ServerMailboxes.CALLER_WEB);
                MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR)) {
            Await.until(120_000, () -> dbForwarding(web).path("attached").asBoolean());

            // The monitor posts reports (each its own second, so every sample can be told apart) and takes the
            // replies; with the database manager storing nothing the forwarder fills, the services stop taking
            // reports, and their mailbox fills behind them with reports nobody took: the monitor's post finds no
            // slot, again and again. (Services that kept taking reports would free slots, and drop samples.)
            byte[] report = nextReport(backend, base);
            boolean pushedBack = false;
            int fullInARow = 0;
            while (!pushedBack || fullInARow < 200) {
                monitor.pollReplies(reply -> {}, 256);
                long handle = monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, SlotFlags.IDEMPOTENT, posted, report);
                if (handle > 0) {
                    posted++;
                    fullInARow = 0;
                    report = nextReport(backend, base + posted * 1_000);
                    if (posted % 256 == 0) {
                        JsonNode forwarding = dbForwarding(web);
                        assertThat(forwarding.path("droppedSamples").asLong())
                                .as("%s", forwarding)
                                .isZero();
                    }
                } else {
                    assertThat(handle).isEqualTo(MailboxStatus.MAILBOX_FULL);
                    fullInARow++;
                    if (!pushedBack || fullInARow % 100 == 0) {
                        JsonNode forwarding = dbForwarding(web);
                        assertThat(forwarding.path("droppedSamples").asLong())
                                .as("%s", forwarding)
                                .isZero();
                        long untaken = monitor.outstanding().stream()
                                .filter(slot -> slot.state() == SlotState.POSTED)
                                .count();
                        pushedBack = forwarding.path("pushingBack").asBoolean()
                                && untaken >= ServerMailboxes.SERVICES.slotCount() / 2;
                    }
                    Thread.sleep(1);
                }
            }
            assertThat(samplesStored.get())
                    .as("nothing stored while the database manager was behind")
                    .isZero();

            // The database manager catches up; the monitor keeps posting what it held back and a few more.
            catchUp.countDown();
            long last = posted + 100;
            while (posted < last) {
                monitor.pollReplies(reply -> {}, 256);
                if (monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, SlotFlags.IDEMPOTENT, posted, report) > 0) {
                    posted++;
                    report = nextReport(backend, base + posted * 1_000);
                } else {
                    Thread.sleep(1);
                }
            }
            long reports = posted;
            Await.until(120_000, () -> {
                monitor.pollReplies(reply -> {}, 256);
                return samplesStored.get() >= reports * VOLUMES * 2;
            });
            JsonNode forwarding = dbForwarding(web);
            assertThat(forwarding.path("droppedSamples").asLong())
                    .as("%s", forwarding)
                    .isZero();
            assertThat(samplesStored.get()).as("each sample stored once").isEqualTo(reports * VOLUMES * 2);
            assertThat(stored.cardinality())
                    .as("every volume, direction and second posted")
                    .isEqualTo((int) (reports * VOLUMES * 2));
            assertThat(stored.length()).isEqualTo((int) (reports * VOLUMES * 2));
            assertThat(reports).as("reports the monitor posted").isGreaterThan(ServerMailboxes.SERVICES.slotCount());
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

    private static byte[] nextReport(SimulatedBackend backend, long startMillis) {
        ByteBuffer frame = backend.step(startMillis, 1_000).get(GATEWAY);
        byte[] bytes = new byte[frame.remaining()];
        frame.get(frame.position(), bytes);
        return bytes;
    }

    private JsonNode dbForwarding(MailboxClient web) {
        try {
            Reply reply = web.call(
                            MailboxOpcodes.SERVICES_JSON, "{\"op\": \"status\"}".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(CallStatus.OK);
            return json.readTree(reply.result()).path("dbForwarding");
        } catch (Exception e) {
            throw new AssertionError("the services did not answer status", e);
        }
    }

    /**
     * A database manager that takes nothing from its mailbox until {@code catchUp}, then stores every sample batch
     * (each batch id once, as the real one de-duplicates) and answers every JSON call with an empty page.
     */
    private static final class BehindDatabase implements AutoCloseable {
        private final MailboxCallee callee;
        private final Thread thread;
        private volatile boolean running = true;

        BehindDatabase(Mailbox mailbox, CountDownLatch catchUp, long base, BitSet stored, AtomicLong samplesStored) {
            callee = MailboxCallee.attach(mailbox);
            SampleBatchFlyweight batch = new SampleBatchFlyweight();
            Set<Long> batchIds = ConcurrentHashMap.newKeySet();
            thread = Thread.ofPlatform().name("behind-db").start(() -> {
                try {
                    while (running && !catchUp.await(10, TimeUnit.MILLISECONDS)) {
                        callee.doHousekeeping();
                    }
                } catch (InterruptedException e) {
                    return;
                }
                while (running) {
                    callee.poll(
                            request -> {
                                if (request.opcode() != MailboxOpcodes.DB_APPEND_SAMPLES) {
                                    request.reply(
                                            CallStatus.OK,
                                            ParamWriter.of("{\"items\": [], \"next\": null}"
                                                    .getBytes(StandardCharsets.UTF_8)));
                                    return;
                                }
                                batch.wrap(
                                        request.params()
                                                .asSlice(0, request.length())
                                                .asByteBuffer(),
                                        0);
                                if (batch.isWellFormed(request.length()) && batchIds.add(batch.batchId())) {
                                    for (int i = 0; i < batch.count(); i++) {
                                        batch.sample(i);
                                        long report = (batch.intervalStartMillis() - base) / 1_000;
                                        stored.set((int) (report * VOLUMES * 2
                                                + (batch.volumeId() - 1) * 2L
                                                + batch.direction().ordinal()));
                                    }
                                    samplesStored.addAndGet(batch.count());
                                }
                                request.reply(CallStatus.OK, 0);
                            },
                            64);
                    callee.doHousekeeping();
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
