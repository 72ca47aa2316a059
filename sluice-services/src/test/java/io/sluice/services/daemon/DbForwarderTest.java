package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.StatsReader;
import io.sluice.sim.storage.SimulatedBackend;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The forwarder against a database manager played by this test: a callee on a real mailbox file, polled on the test's
 * thread between the forwarder's steps, so every step is deterministic.
 */
class DbForwarderTest {
    private static final long START = 1_700_000_000_000L;
    private final ManualEpochClock clock = new ManualEpochClock(START);
    private final Path file =
            Path.of("/dev/shm", "sluice-dbfwd-test-" + ProcessHandle.current().pid() + "-db");
    private final SimulatedBackend backend = new SimulatedBackend(10_000, 200, 1);
    private final StatsReader stats = new StatsReader();
    private final List<Long> batchIds = new ArrayList<>();
    private final List<String> ops = new ArrayList<>();
    private final List<Long> released = new ArrayList<>();
    private long reportHandle;
    private int samplesReceived;
    private Mailbox db;
    private MailboxCallee callee;

    @AfterEach
    void removeMailbox() throws Exception {
        if (callee != null) {
            callee.close();
            db.close();
        }
        Files.deleteIfExists(file);
    }

    @Test
    void withoutTheDatabaseManagerSamplesAreBufferedBoundedlyAndDropsCounted() {
        DbForwarder forwarder = new DbForwarder(file, clock, 4, 3, 5, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        backend.addVolume(2, 7L).demand(500);
        for (int second = 0; second < 10; second++) {
            report(forwarder);
            forwarder.call(Map.of("op", "alert.upsert", "n", second));
        }
        assertThat(forwarder.attached()).isFalse();
        // 3 batches of 4 samples (2 volumes x 2 directions) wait; the other 7 seconds were dropped.
        assertThat(forwarder.pendingSamples()).isEqualTo(3 * 4);
        assertThat(forwarder.droppedSamples()).isEqualTo(7 * 4);
        assertThat(forwarder.pendingCalls()).isEqualTo(5);
        assertThat(forwarder.droppedCalls()).isEqualTo(5);
    }

    @Test
    void aSlowDatabaseManagerMakesTheForwarderPushBackAndNoSampleIsLost() {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 3, 100, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        backend.addVolume(2, 7L).demand(500);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        // A report a second comes to the services' mailbox; the services take it only while the forwarder has
        // room, as their loop does; the database manager stores one batch every fourth second.
        int waiting = 0;
        int taken = 0;
        int secondsPushedBack = 0;
        int mostWaiting = 0;
        for (int second = 0; second < 40; second++) {
            waiting++;
            mostWaiting = Math.max(mostWaiting, waiting);
            while (waiting > 0 && !forwarder.full()) {
                take(forwarder);
                waiting--;
                taken++;
            }
            secondsPushedBack += forwarder.full() ? 1 : 0;
            clock.advance(1_000);
            forwarder.doWork();
            if (second % 4 == 3) {
                callee.poll(this::serve, 1);
            }
            forwarder.doWork();
            assertThat(forwarder.droppedSamples()).as("second %d", second).isZero();
        }
        assertThat(secondsPushedBack).as("the forwarder pushed back").isGreaterThan(20);
        assertThat(mostWaiting)
                .as("reports that waited in the services' mailbox")
                .isGreaterThan(1);

        // The database manager catches up: every report waiting is taken, every sample stored once.
        for (int step = 0;
                step < 1_000 && (waiting > 0 || forwarder.pendingSamples() > 0 || forwarder.inFlight() > 0);
                step++) {
            while (waiting > 0 && !forwarder.full()) {
                take(forwarder);
                waiting--;
                taken++;
            }
            clock.advance(1_000);
            forwarder.doWork();
            callee.poll(this::serve, 16);
            forwarder.doWork();
        }
        assertThat(taken).isEqualTo(40);
        assertThat(samplesReceived).isEqualTo(taken * 2 * 2);
        assertThat(forwarder.droppedSamples()).isZero();
        assertThat(forwarder.pendingSamples()).isZero();
        forwarder.close();
    }

    @Test
    void batchesAreWellFormedIdempotentWithRisingIdsAndStoredWhenTheDatabaseManagerAppears() throws Exception {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        backend.addVolume(2, 8L).demand(300);
        List<String> loaded = new ArrayList<>();
        forwarder.onAttach(f -> f.call(
                Map.of("op", "sla.list", "limit", 200),
                (status, result) -> loaded.add(
                        status + " " + result.path("items").get(0).path("name").asText())));
        for (int second = 0; second < 3; second++) {
            report(forwarder);
        }
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        clock.advance(DbForwarder.ATTACH_RETRY_MILLIS);
        for (int step = 0; step < 20; step++) {
            forwarder.doWork();
            callee.poll(this::serve, 16);
        }
        forwarder.doWork();
        assertThat(forwarder.attached()).isTrue();
        assertThat(ops).first().isEqualTo("sla.list");
        assertThat(loaded).containsExactly("0 gold");
        assertThat(batchIds).hasSize(3).isSorted().doesNotHaveDuplicates();
        assertThat(batchIds.getFirst()).isGreaterThanOrEqualTo(START * 1000);
        assertThat(samplesReceived).isEqualTo(3 * 2 * 2);
        assertThat(forwarder.storedBatches()).isEqualTo(3);
        assertThat(forwarder.pendingSamples()).isZero();
        assertThat(forwarder.inFlight()).isZero();

        // A restarted forwarder (clock moved on) continues above the ids its predecessor used.
        forwarder.close();
        clock.advance(1);
        DbForwarder next = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        report(next);
        clock.advance(DbForwarder.ATTACH_RETRY_MILLIS);
        for (int step = 0; step < 5; step++) {
            next.doWork();
            callee.poll(this::serve, 16);
        }
        assertThat(batchIds).hasSize(4).isSorted().doesNotHaveDuplicates();
        next.close();
    }

    @Test
    void aBatchTheDatabaseManagerCannotStoreNowIsSentAgainWithTheSameId() {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        report(forwarder);
        forwarder.doWork();
        boolean[] refusedOnce = {false};
        callee.poll(
                request -> {
                    refusedOnce[0] = true;
                    request.reply(
                            CallStatus.UNAVAILABLE,
                            ParamWriter.of("{\"type\":\"unavailable\"}".getBytes(StandardCharsets.UTF_8)));
                },
                16);
        assertThat(refusedOnce[0]).isTrue();
        forwarder.doWork();
        forwarder.doWork();
        callee.poll(this::serve, 16);
        forwarder.doWork();
        assertThat(batchIds).hasSize(1);
        assertThat(forwarder.storedBatches()).isEqualTo(1);
        assertThat(forwarder.lastError()).contains("unavailable");
        forwarder.close();
    }

    @Test
    void aBatchRefusedForUnregisteredVolumesWaitsForTheirRegistrationThenGoesAgain() {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        List<Integer> registeredAgain = new ArrayList<>();
        String[] unregistrable = {null};
        forwarder.onUnknownVolume(volumeId -> {
            registeredAgain.add(volumeId);
            return unregistrable[0];
        });
        backend.addVolume(1, 7L).demand(500);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        report(forwarder);
        callee.poll(this::refuseUnknownVolume, 16);
        forwarder.doWork();
        assertThat(registeredAgain).containsExactly(1);
        callee.poll(this::serve, 16);
        assertThat(batchIds)
                .as("not before its volumes had time to be registered")
                .isEmpty();
        clock.advance(DbForwarder.UNKNOWN_VOLUME_RETRY_MILLIS);
        forwarder.doWork();
        callee.poll(this::serve, 16);
        forwarder.doWork();
        assertThat(batchIds).hasSize(1);
        assertThat(forwarder.storedBatches()).isEqualTo(1);
        assertThat(forwarder.droppedSamples()).isZero();

        // A database manager slow to learn the volume (a restarted one, busy): the batch waits as long as it takes.
        report(forwarder);
        for (int attempt = 0; attempt < 40; attempt++) {
            clock.advance(DbForwarder.UNKNOWN_VOLUME_RETRY_MILLIS);
            forwarder.doWork();
            callee.poll(this::refuseUnknownVolume, 16);
            forwarder.doWork();
        }
        assertThat(forwarder.unknownVolumeRefusals()).isEqualTo(41);
        assertThat(forwarder.droppedSamples()).isZero();
        assertThat(forwarder.pendingSamples()).as("still waiting").isEqualTo(2);
        assertThat(forwarder.lastError()).contains("waits for its volumes to be registered");
        clock.advance(DbForwarder.UNKNOWN_VOLUME_RETRY_MILLIS);
        forwarder.doWork();
        callee.poll(this::serve, 16);
        forwarder.doWork();
        assertThat(batchIds).hasSize(2);
        assertThat(forwarder.pendingSamples()).isZero();

        // A volume the services cannot register (the database manager refused its registration): dropped, counted,
        // said.
        unregistrable[0] = "INVALID a volume's exportName (1..64) and gatewayName (1..255) go together";
        report(forwarder);
        callee.poll(this::refuseUnknownVolume, 16);
        forwarder.doWork();
        assertThat(forwarder.droppedSamples()).isEqualTo(2);
        assertThat(forwarder.pendingSamples()).isZero();
        assertThat(forwarder.lastError()).contains("cannot be registered", "exportName");
        forwarder.close();
    }

    /**
     * A batch refused for a volume the database manager does not know is in this process's memory alone; the batches
     * sealed after it are not posted while it waits, so their reports' replies stay held and a services process killed
     * meanwhile leaves those reports to be delivered again to its successor.
     */
    @Test
    void whileABatchWaitsForItsVolumesTheBatchesBehindItWaitUnpostedWithTheirRepliesHeld() {
        DbForwarder forwarder = new DbForwarder(file, clock, 1, 100, 100, 0, released::add);
        backend.addVolume(1, 7L).demand(500);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        forwarder.doWork();
        assertThat(onStats(forwarder, 1)).isTrue();
        forwarder.doWork();
        assertThat(released).as("answered once its batch was posted").containsExactly(1L);
        // A second report's batch is sealed behind it (one call in flight at most) when the first comes back refused.
        assertThat(onStats(forwarder, 2)).isTrue();
        clock.advance(100);
        forwarder.doWork();
        callee.poll(this::refuseUnknownVolume, 16);
        forwarder.doWork();
        for (long report = 3; report <= 4; report++) {
            assertThat(onStats(forwarder, report)).isTrue();
            clock.advance(100);
            forwarder.doWork();
        }
        assertThat(callee.poll(this::serve, 16))
                .as("nothing posted while the refused batch waits")
                .isZero();
        assertThat(released).as("the reports behind it keep their replies held").containsExactly(1L);

        clock.advance(DbForwarder.UNKNOWN_VOLUME_RETRY_MILLIS);
        for (int step = 0; step < 10 && (forwarder.pendingSamples() > 0 || forwarder.inFlight() > 0); step++) {
            forwarder.doWork();
            callee.poll(this::serve, 16);
            forwarder.doWork();
        }
        assertThat(batchIds).hasSize(4);
        assertThat(samplesReceived).isEqualTo(4 * 2);
        assertThat(released).containsExactly(1L, 2L, 3L, 4L);
        assertThat(forwarder.droppedSamples()).isZero();
        forwarder.close();
    }

    private void refuseUnknownVolume(MailboxCallee.Request request) {
        request.reply(
                CallStatus.NOT_FOUND,
                ParamWriter.of("{\"type\":\"NOT_FOUND\",\"volumeIds\":[1]}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aReplacedMailboxIsLetGoAndTheNewOneAttachedWithTheStartupLoadAgain() throws Exception {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        int[] loads = {0};
        forwarder.onAttach(f -> {
            loads[0]++;
            f.call(Map.of("op", "sla.list"));
        });
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        report(forwarder);
        callee.poll(this::serve, 16);
        forwarder.doWork();
        assertThat(batchIds).hasSize(1);

        // The database manager goes away and comes back with a new mailbox file.
        callee.close();
        db.close();
        Files.delete(file);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        for (int second = 0; second < 3; second++) {
            report(forwarder);
            callee.poll(this::serve, 16);
        }
        forwarder.doWork();
        callee.poll(this::serve, 16);
        forwarder.doWork();
        assertThat(loads[0]).isEqualTo(2);
        assertThat(ops).containsExactly("sla.list", "sla.list");
        assertThat(batchIds).hasSize(4).isSorted().doesNotHaveDuplicates();
        assertThat(forwarder.storedBatches()).isEqualTo(4);
        forwarder.close();
    }

    @Test
    void aReportIsAnsweredOnceItsSamplesArePostedAndAtOnceWhenTheyCannotBe() throws Exception {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        assertThat(onStats(forwarder, 1))
                .as("no database manager: nothing to wait for")
                .isFalse();

        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        clock.advance(DbForwarder.ATTACH_RETRY_MILLIS);
        forwarder.doWork();
        assertThat(forwarder.attached()).isTrue();
        assertThat(onStats(forwarder, 2)).isTrue();
        forwarder.doWork();
        assertThat(released).as("held while its samples gather").isEmpty();
        clock.advance(1_000);
        forwarder.doWork();
        assertThat(released)
                .as("answered as soon as its batch is in the database manager's mailbox")
                .containsExactly(2L);
        assertThat(forwarder.heldReplies()).isZero();
        callee.poll(this::serve, 16);
        forwarder.doWork();
        assertThat(batchIds).hasSize(2);
        assertThat(forwarder.storedBatches()).isEqualTo(2);

        // The mailbox goes away with a report held: it is answered, its samples wait for the next one.
        assertThat(onStats(forwarder, 3)).isTrue();
        callee.close();
        db.close();
        callee = null;
        Files.delete(file);
        clock.advance(DbForwarder.ATTACH_RETRY_MILLIS);
        forwarder.doWork();
        assertThat(forwarder.attached()).isFalse();
        assertThat(released).containsExactly(2L, 3L);
        assertThat(forwarder.pendingSamples()).isEqualTo(2);
        forwarder.close();
    }

    @Test
    void atMostABoundedNumberOfRepliesIsHeld() {
        DbForwarder forwarder = new DbForwarder(file, clock, 2, 100, 100, 1_000, released::add);
        backend.addVolume(1, 7L).demand(500);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        forwarder.doWork();
        for (int report = 1; report <= DbForwarder.MAX_HELD_REPLIES; report++) {
            assertThat(onStats(forwarder, report)).isTrue();
        }
        assertThat(onStats(forwarder, DbForwarder.MAX_HELD_REPLIES + 1)).isFalse();
        forwarder.doWork();
        clock.advance(1_000);
        forwarder.doWork();
        assertThat(released).hasSize(DbForwarder.MAX_HELD_REPLIES).doesNotHaveDuplicates();
        forwarder.close();
    }

    private boolean onStats(DbForwarder forwarder, long handle) {
        ByteBuffer frame =
                backend.step(clock.epochMillis(), 1_000).values().iterator().next();
        return forwarder.onStats(stats.wrap(frame, 0), volumeId -> 1_000L, handle);
    }

    /** One report of every volume, taken by the services (its reply may be held). */
    private void take(DbForwarder forwarder) {
        for (ByteBuffer frame : backend.step(clock.epochMillis(), 1_000).values()) {
            forwarder.onStats(stats.wrap(frame, 0), volumeId -> 1_000L, ++reportHandle);
        }
    }

    /**
     * A services process stops with calls in the database manager's mailbox; its successor inherits them under the same
     * caller index. Their replies are collected (the slots freed), counted, and never taken for the successor's own
     * calls, though the successor's correlation ids start where the predecessor's did.
     */
    @Test
    void aSuccessorCollectsItsPredecessorsRepliesWithoutMistakingThemForItsOwn() throws Exception {
        backend.addVolume(1, 7L).demand(500);
        db = Mailbox.create(file, ServerMailboxes.DB, clock);
        callee = MailboxCallee.attach(db);
        DbForwarder predecessor = new DbForwarder(file, clock, 8, 3, 100, 0, released::add);
        predecessor.call(Map.of("op", "predecessor.call"), (status, result) -> {
            throw new AssertionError("predecessor is gone");
        });
        report(predecessor);
        assertThat(predecessor.inFlight()).isEqualTo(2);
        predecessor.close();

        DbForwarder successor = new DbForwarder(file, clock, 8, 3, 100, 0, released::add);
        List<String> ownResults = new ArrayList<>();
        successor.call(
                Map.of("op", "successor.call"),
                (status, result) -> ownResults.add(result.path("op").asText()));
        successor.doWork();
        assertThat(successor.inFlight()).isEqualTo(1);
        // The database manager answers all three; each JSON reply names the call it answers.
        int served = 0;
        while (served < 3) {
            served += callee.poll(
                    request -> {
                        if (request.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
                            request.reply(CallStatus.OK, 0);
                            return;
                        }
                        String op = new String(
                                                request.params()
                                                        .asSlice(0, request.length())
                                                        .toArray(ValueLayout.JAVA_BYTE),
                                                StandardCharsets.UTF_8)
                                        .contains("successor")
                                ? "successor.call"
                                : "predecessor.call";
                        request.reply(
                                CallStatus.OK,
                                ParamWriter.of(("{\"op\": \"" + op + "\"}").getBytes(StandardCharsets.UTF_8)));
                    },
                    3);
        }
        successor.doWork();
        assertThat(ownResults).containsExactly("successor.call");
        assertThat(successor.inheritedCalls()).isEqualTo(1);
        assertThat(successor.inheritedStored()).isEqualTo(1);
        assertThat(successor.inheritedLost()).isZero();
        assertThat(successor.inFlight()).isZero();
        assertThat(MailboxSnapshot.take(db).freeSlots()).isEqualTo(ServerMailboxes.DB.slotCount());
        successor.close();
    }

    private void report(DbForwarder forwarder) {
        for (ByteBuffer frame : backend.step(clock.epochMillis(), 1_000).values()) {
            forwarder.onStats(stats.wrap(frame, 0), volumeId -> 1_000L, ++reportHandle);
        }
        clock.advance(1_000);
        forwarder.doWork();
    }

    private void serve(MailboxCallee.Request request) {
        if (request.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
            assertThat(request.flags() & SlotFlags.IDEMPOTENT).isEqualTo(SlotFlags.IDEMPOTENT);
            ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
            SampleBatchFlyweight batch = new SampleBatchFlyweight().wrap(params, 0);
            assertThat(batch.isWellFormed(request.length())).isTrue();
            assertThat(batch.batchId()).isEqualTo(request.correlationId());
            for (int i = 0; i < batch.count(); i++) {
                batch.sample(i);
                assertThat(batch.volumeId()).isIn(1, 2);
                assertThat(batch.direction()).isIn(IoDirection.READ, IoDirection.WRITE);
                assertThat(batch.intervalLengthMillis()).isEqualTo(1_000);
                assertThat(batch.iopsLimit()).isEqualTo(1_000);
            }
            if (batchIds.contains(batch.batchId())) {
                request.reply(CallStatus.OK, 0);
                return;
            }
            batchIds.add(batch.batchId());
            samplesReceived += batch.count();
            request.reply(CallStatus.OK, 0);
            return;
        }
        try {
            var call = new ObjectMapper()
                    .readTree(request.params().asSlice(0, request.length()).toArray(ValueLayout.JAVA_BYTE));
            ops.add(call.path("op").asText());
            byte[] result = "{\"items\": [{\"name\": \"gold\", \"version\": 1}], \"next\": null}"
                    .getBytes(StandardCharsets.UTF_8);
            request.reply(CallStatus.OK, ParamWriter.of(result));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
