package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.VolumePlacement;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The services, never started, turned by hand on a manual clock, between the monitor's side (reports posted into their
 * real mailbox, replies taken) and a database manager played by this test on the real {@code db} mailbox. The database
 * manager is restarted and comes back not knowing the volume (its registry lacks a registration the first one admitted
 * samples without, having not loaded its registry yet): it refuses every batch (NOT_FOUND), abandons the first
 * registration (as the mailbox's sweep answers a call a dead callee held) and takes long to answer the next. Every
 * report the services answered is stored, once.
 */
class ServicesAcrossDbRestartTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final long GATEWAY = 21;
    private static final int VOLUME = 101;
    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aRestartedDatabaseManagerSlowToLearnTheVolumeAgainLosesNoSample() throws Exception {
        try (HandDrivenServices services = new HandDrivenServices(
                "sluice-svc-dbrestart", clock, new ServicesConfig(List.of(), List.of(), List.of()), 1_000, true)) {
            ServicesDaemon daemon = services.daemon;
            MailboxCaller monitor = services.monitor;
            PlayedDatabase db = new PlayedDatabase(services.database());
            int reports = 0;
            List<Integer> answers = new ArrayList<>();

            // The first database manager knows the volume (its registration was stored).
            db.known.add(VOLUME);
            for (; reports < 3; reports++) {
                second(daemon, db, monitor, reports, answers);
            }
            assertThat(db.storedWindows).hasSize(3);

            // Restarted, it does not know the volume; it abandons the first registration and answers the next
            // one only after 20 s (busy, or starting on a loaded machine), refusing every batch meanwhile.
            db.known.clear();
            db.registrations = 0;
            db.abandonNextRegistration = true;
            db.answerRegistrationsAfter = clock.epochMillis() + 20_000;
            for (; reports < 30; reports++) {
                second(daemon, db, monitor, reports, answers);
            }
            for (int turn = 0; turn < 20; turn++) {
                clock.advance(250);
                turn(daemon, db, monitor, answers);
            }

            JsonNode forwarding = services.query("{\"op\": \"status\"}").path("dbForwarding");
            assertThat(forwarding.path("droppedSamples").asLong())
                    .as("samples the forwarder dropped: %s", forwarding)
                    .isZero();
            assertThat(forwarding.path("unknownVolumeRefusals").asLong()).isEqualTo(db.refusedBatches);
            assertThat(answers).as("every report answered").hasSize(30).containsOnly(MailboxStatus.OK);
            List<Long> expected = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                expected.add(T0 + i * 1_000L);
            }
            assertThat(db.storedWindows)
                    .as("every report's window stored once")
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(db.refusedBatches)
                    .as("batches refused for the unknown volume")
                    .isGreaterThan(20);
            assertThat(db.registrations)
                    .as("registrations the database manager took: abandoned, then held")
                    .isGreaterThanOrEqualTo(2);
        }
    }

    /**
     * A database manager that has not loaded its registry yet admits every volume's samples, and fails the first
     * registration (busy, or dying with it): the registration is sent again until it is stored, so the volume is known
     * to the database manager after its next restart; once stored, it is not sent again.
     */
    @Test
    void aFailedRegistrationIsSentAgainUntilTheDatabaseManagerStoresIt() throws Exception {
        try (HandDrivenServices services = new HandDrivenServices(
                "sluice-svc-dbrestart", clock, new ServicesConfig(List.of(), List.of(), List.of()), 1_000, true)) {
            ServicesDaemon daemon = services.daemon;
            MailboxCaller monitor = services.monitor;
            PlayedDatabase db = new PlayedDatabase(services.database());
            db.admitAll = true;
            db.failRegistrations = 2;
            List<Integer> answers = new ArrayList<>();
            for (int report = 0; report < 10; report++) {
                second(daemon, db, monitor, report, answers);
            }
            assertThat(db.registrations)
                    .as("failed twice, then stored; not sent again after")
                    .isEqualTo(3);
            assertThat(db.known).containsExactly(VOLUME);
            assertThat(db.storedWindows).hasSize(10);
        }
    }

    /**
     * The last throttle sets are stored at the database manager ({@code throttle.record}, once per interval), and
     * services that start (a restart, or a server taking over) load them ({@code throttle.list}) and resume each path
     * from its set: sent again with a version above the stored one, whatever their clock says.
     */
    @Test
    void throttleSetsAreStoredAndServicesStartingResumeTheirVersions() throws Exception {
        ServicesConfig placed = new ServicesConfig(
                List.of(new BackendProfile("array-1", 1_000_000, 50)),
                List.of(new VolumePlacement(VOLUME, "array-1", List.of(), 1L << 40)),
                List.of());
        long storedVersion = T0 + 3_600_000;
        try (HandDrivenServices services = new HandDrivenServices("sluice-svc-dbrestart", clock, placed, 1_000, true)) {
            ServicesDaemon daemon = services.daemon;
            MailboxCaller monitor = services.monitor;
            PlayedDatabase db = new PlayedDatabase(services.database());
            db.admitAll = true;
            db.throttleList = "{\"items\": [{\"volumeId\": " + VOLUME + ", \"gatewayId\": " + GATEWAY
                    + ", \"version\": "
                    + storedVersion + ", \"settings\": [1, 700, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}], \"next\": null}";
            List<Integer> answers = new ArrayList<>();
            for (int report = 0; report < 4; report++) {
                second(daemon, db, monitor, report, answers);
            }
            assertThat(db.ops).as("loaded at start").contains("throttleset.list");
            assertThat(db.throttleRecords).as("the sets sent are stored").isNotEmpty();
            JsonNode first = db.throttleRecords.getFirst();
            assertThat(first.path("volumeId").asInt()).isEqualTo(VOLUME);
            assertThat(first.path("gatewayId").asLong()).isEqualTo(GATEWAY);
            assertThat(first.path("version").asLong())
                    .as("resumed above the stored version, not from the clock")
                    .isGreaterThan(storedVersion);
            assertThat(first.path("settings").size()).isEqualTo(14);
        }
    }

    /** One second: the monitor posts a report, and the services and the database manager take four turns. */
    private void second(
            ServicesDaemon daemon, PlayedDatabase db, MailboxCaller monitor, int report, List<Integer> answers) {
        assertThat(monitor.call(
                        MailboxOpcodes.SERVICES_STATS_REPORT,
                        SlotFlags.IDEMPOTENT,
                        report + 1,
                        report(T0 + report * 1_000L)))
                .isPositive();
        for (int turn = 0; turn < 4; turn++) {
            clock.advance(250);
            turn(daemon, db, monitor, answers);
        }
    }

    private void turn(ServicesDaemon daemon, PlayedDatabase db, MailboxCaller monitor, List<Integer> answers) {
        daemon.doWork();
        db.serve(clock.epochMillis());
        daemon.doWork();
        monitor.pollReplies(reply -> answers.add(reply.status()), 64);
    }

    /** A one-volume STATS frame for the second starting at {@code intervalStart}. */
    private static byte[] report(long intervalStart) {
        byte[] frame = new byte[StatsDescriptor.frameLength(1)];
        StatsWriter writer = new StatsWriter();
        assertThat(writer.begin(ByteBuffer.wrap(frame), 1, GATEWAY, false, 1, 1, intervalStart, 1_000, 1))
                .isTrue();
        writer.volume(0)
                .volumeId(VOLUME)
                .capacityBytes(1L << 30)
                .usedBytes(1L << 20)
                .ops(IoDirection.WRITE, 100)
                .bytes(IoDirection.WRITE, 409_600);
        writer.commit();
        return frame;
    }

    /**
     * The database manager as the services see it: refuses samples of volumes it does not know (NOT_FOUND with their
     * ids, as {@code BatchCheck} does), stores a batch once per id, registers volumes, answers other calls OK.
     */
    private final class PlayedDatabase {
        final MailboxCallee callee;
        final Set<Integer> known = new HashSet<>();
        final Set<Long> batchIds = new HashSet<>();
        /** The interval start of every WRITE sample stored. */
        final List<Long> storedWindows = new ArrayList<>();

        int refusedBatches;
        int registrations;
        boolean abandonNextRegistration;
        /** Admits samples of any volume, as a database manager does until it has loaded its registry. */
        boolean admitAll;
        /** Registrations to answer UNAVAILABLE before one is stored. */
        int failRegistrations;

        long answerRegistrationsAfter;
        final List<long[]> heldRegistrations = new ArrayList<>();
        /** The JSON ops called, in order. */
        final List<String> ops = new ArrayList<>();
        /** The sets {@code throttle.record} stored, in order. */
        final List<JsonNode> throttleRecords = new ArrayList<>();
        /** What {@code throttle.list} answers. */
        String throttleList = "{\"items\": [], \"next\": null}";

        final List<List<Integer>> heldVolumes = new ArrayList<>();

        PlayedDatabase(MailboxCallee callee) {
            this.callee = callee;
        }

        void serve(long now) {
            callee.poll(this::onRequest, 64);
            if (now >= answerRegistrationsAfter) {
                for (int i = 0; i < heldRegistrations.size(); i++) {
                    known.addAll(heldVolumes.get(i));
                    callee.complete(
                            heldRegistrations.get(i)[0],
                            CallStatus.OK,
                            ParamWriter.of("{\"stored\": 1}".getBytes(StandardCharsets.UTF_8)));
                }
                heldRegistrations.clear();
                heldVolumes.clear();
            }
        }

        private void onRequest(MailboxCallee.Request request) {
            if (request.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
                SampleBatchFlyweight batch = new SampleBatchFlyweight()
                        .wrap(request.params().asSlice(0, request.length()).asByteBuffer(), 0);
                for (int i = 0; i < batch.count(); i++) {
                    int volumeId = batch.sample(i).volumeId();
                    if (!admitAll && !known.contains(volumeId)) {
                        refusedBatches++;
                        request.reply(
                                CallStatus.NOT_FOUND,
                                ParamWriter.of(("{\"type\": \"NOT_FOUND\", \"detail\": "
                                                + "\"samples of volumes nobody registered\", \"volumeIds\": ["
                                                + volumeId + "]}")
                                        .getBytes(StandardCharsets.UTF_8)));
                        return;
                    }
                }
                if (batchIds.add(batch.batchId())) {
                    for (int i = 0; i < batch.count(); i++) {
                        if (batch.sample(i).direction() == IoDirection.WRITE) {
                            storedWindows.add(batch.intervalStartMillis());
                        }
                    }
                }
                request.reply(CallStatus.OK, ParamWriter.EMPTY);
                return;
            }
            JsonNode call;
            try {
                call = json.readTree(
                        request.params().asSlice(0, request.length()).toArray(ValueLayout.JAVA_BYTE));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            ops.add(call.path("op").asText());
            if (call.path("op").asText().equals("throttleset.record")) {
                call.path("items").forEach(throttleRecords::add);
                request.reply(CallStatus.OK, ParamWriter.of("{\"stored\": 1}".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            if (call.path("op").asText().equals("throttleset.list")) {
                request.reply(CallStatus.OK, ParamWriter.of(throttleList.getBytes(StandardCharsets.UTF_8)));
                return;
            }
            if (!call.path("op").asText().equals("volumes.upsert")) {
                request.reply(
                        CallStatus.OK,
                        ParamWriter.of("{\"items\": [], \"next\": null}".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            List<Integer> volumes = new ArrayList<>();
            call.path("items").forEach(item -> volumes.add(item.path("volumeId").asInt()));
            registrations++;
            if (abandonNextRegistration) {
                abandonNextRegistration = false;
                request.reply(MailboxStatus.ABANDONED, ParamWriter.EMPTY);
                return;
            }
            if (failRegistrations > 0) {
                failRegistrations--;
                request.reply(
                        CallStatus.UNAVAILABLE,
                        ParamWriter.of(
                                "{\"type\": \"unavailable\", \"detail\": \"busy\"}".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            if (clock.epochMillis() >= answerRegistrationsAfter) {
                known.addAll(volumes);
                request.reply(CallStatus.OK, ParamWriter.of("{\"stored\": 1}".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            heldRegistrations.add(new long[] {request.defer()});
            heldVolumes.add(volumes);
        }
    }
}
