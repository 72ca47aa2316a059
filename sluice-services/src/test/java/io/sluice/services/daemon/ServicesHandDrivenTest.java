package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.RequestHandler;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.Scope;
import io.sluice.sim.storage.SimulatedBackend;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The services never started, their loop turned by hand on a manual clock (no thread, no sleep) between the monitor's
 * side, the application server's queries and a database manager played by this test, all on the real mailboxes: the one
 * SLA the database manager holds (too busy to list it the first time it is asked, as one restarting under load is)
 * reaches the services without any file, reports and a gateway state become live views, and what the services see is
 * forwarded in order; a volume no configuration placed is still held to its SLA through the monitor's mailbox.
 */
class ServicesHandDrivenTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final int INTERVAL_MILLIS = 100;
    /** Turns at most for anything to happen: far more than the few intervals each step needs. */
    private static final int MAX_TURNS = 2_000;

    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void servesQueriesLoadsSlasFromTheDatabaseAndForwardsWhatItSees() throws Exception {
        ServicesConfig config = new ServicesConfig(
                List.of(new BackendProfile("b1", 10_000, 200)),
                List.of(
                        new VolumePlacement(1, "b1", List.of(), 1L << 40),
                        new VolumePlacement(2, "b1", List.of(), 1L << 40)),
                List.of());
        SimulatedBackend backend = new SimulatedBackend(10_000, 200, 5);
        backend.addVolume(1, 11L).demand(2_000);
        backend.addVolume(2, 12L).demand(2_000);
        try (HandDrivenServices services =
                new HandDrivenServices("sluice-svc-hand", clock, config, INTERVAL_MILLIS, true)) {
            MailboxCaller monitor = services.monitor;
            PlayedDatabase db = new PlayedDatabase(services.database());
            Turns turns = new Turns(services.daemon, db::serve, monitor);

            turns.until(
                    () -> services.query("{\"op\": \"status\"}").path("slas").asInt() == 1);
            assertThat(db.ops).as("asked again after the busy answer").containsSubsequence("sla.list", "sla.list");

            ByteBuffer state = ByteBuffer.allocate(GatewayStateDescriptor.LENGTH);
            GatewayStateDescriptor.write(
                    state, 0, 11L, clock.epochMillis(), GatewayStateDescriptor.GatewayState.IN_SESSION, 0);
            assertThat(monitor.call(MailboxOpcodes.SERVICES_GATEWAY_STATE, 0, 1, state.array()))
                    .isPositive();
            for (int step = 0; step < 20; step++) {
                turns.interval(backend, step);
            }
            turns.until(() ->
                    services.query("{\"op\": \"live.volumes\"}").path("items").size() == 2);
            JsonNode volumes = services.query("{\"op\": \"live.volumes\"}");
            assertThat(volumes.path("items").get(0).path("sla").asText()).isEqualTo("gold");
            assertThat(volumes.path("items").get(0).path("iops").asDouble()).isPositive();
            JsonNode gateways = services.query("{\"op\": \"gateways.list\"}");
            assertThat(gateways.path("items")).hasSize(2);
            assertThat(gateways.path("items").get(0).path("state").asText()).isEqualTo("IN_SESSION");
            assertThat(services.query("{\"op\": \"live.volume\", \"volumeId\": 2}")
                            .path("points")
                            .size())
                    .isPositive();
            assertThat(services.call("{\"op\": ")[0]).isEqualTo(CallStatus.INVALID);

            turns.until(() -> db.batchIds.size() >= 3);
            assertThat(db.batchIds).isSorted().doesNotHaveDuplicates();
            turns.until(() -> db.ops.contains("compliance.append")
                    && db.ops.contains("gateway.upsert")
                    && db.ops.contains("volumes.upsert"));
            JsonNode status = services.query("{\"op\": \"status\"}");
            assertThat(status.path("dbForwarding").path("attached").asBoolean()).isTrue();
            assertThat(status.path("dbForwarding").path("droppedSamples").asLong())
                    .isZero();
            assertThat(turns.monitorAnswers)
                    .as("every report and state answered OK")
                    .hasSize(1 + 2 * 20)
                    .containsOnly(MailboxStatus.OK);
        }
    }

    @Test
    void aVolumeNoConfigurationPlacedIsStillHeldToItsSla() throws Exception {
        ServicesConfig config = new ServicesConfig(
                List.of(),
                List.of(),
                List.of(new ServicesConfig.SlaSpec(
                        "capped", new Scope(Scope.Kind.VOLUME, "7"), 500, 0, null, null, null)));
        SimulatedBackend backend = new SimulatedBackend(10_000, 200, 5);
        backend.addVolume(7, 70L).demand(3_000);
        List<Long> limits = new ArrayList<>();
        RequestHandler monitorSide = request -> {
            if (request.opcode() == MailboxOpcodes.MONITOR_THROTTLE_SET) {
                ThrottleSetReader set = new ThrottleSetReader()
                        .wrap(request.params().asSlice(0, request.length()).asByteBuffer(), 0);
                for (int i = 0; i < set.volumeCount(); i++) {
                    if (set.volume(i).volumeId() == 7) {
                        limits.add(set.volume(i).iopsLimit());
                    }
                }
            }
            request.reply(MailboxOpcodes.THROTTLE_STORED, 0);
        };
        try (HandDrivenServices services =
                        new HandDrivenServices("sluice-svc-hand", clock, config, INTERVAL_MILLIS, false);
                Mailbox monitorBox = services.openMonitorMailbox();
                MailboxCallee monitorCallee = MailboxCallee.attach(monitorBox)) {
            Turns turns = new Turns(services.daemon, () -> monitorCallee.poll(monitorSide, 64), services.monitor);
            for (int step = 0; step < 30 && limits.isEmpty(); step++) {
                turns.interval(backend, step);
            }
            turns.until(() -> !limits.isEmpty());
            assertThat(limits)
                    .allSatisfy(limit -> assertThat(limit).isPositive().isLessThanOrEqualTo(500));
            JsonNode volume =
                    services.query("{\"op\": \"live.volumes\"}").path("items").get(0);
            assertThat(volume.path("volumeId").asInt()).isEqualTo(7);
            assertThat(volume.path("sla").asText()).isEqualTo("capped");
            assertThat(volume.path("backendId").asText()).isEqualTo("gateway-70");
        }
    }

    /**
     * The loop's turns with a peer's (the database manager's or the monitor's side) between them, a quarter of an
     * interval of the clock apart.
     */
    private final class Turns {
        final List<Integer> monitorAnswers = new ArrayList<>();
        private final ServicesDaemon daemon;
        private final Runnable peer;
        private final MailboxCaller monitor;

        Turns(ServicesDaemon daemon, Runnable peer, MailboxCaller monitor) {
            this.daemon = daemon;
            this.peer = peer;
            this.monitor = monitor;
        }

        void one() {
            daemon.doWork();
            peer.run();
            daemon.doWork();
            monitor.pollReplies(reply -> monitorAnswers.add(reply.status()), 64);
        }

        /** One interval: the monitor posts the backend's reports of it, then four turns a quarter apart. */
        void interval(SimulatedBackend backend, int step) {
            for (ByteBuffer frame :
                    backend.step(clock.epochMillis(), INTERVAL_MILLIS).values()) {
                byte[] bytes = new byte[frame.remaining()];
                frame.get(frame.position(), bytes);
                assertThat(monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, 0, step, bytes))
                        .isPositive();
            }
            for (int turn = 0; turn < 4; turn++) {
                clock.advance(INTERVAL_MILLIS / 4);
                one();
            }
        }

        void until(BooleanSupplier condition) {
            for (int turn = 0; turn < MAX_TURNS; turn++) {
                if (condition.getAsBoolean()) {
                    return;
                }
                clock.advance(INTERVAL_MILLIS / 4);
                one();
            }
            assertThat(condition.getAsBoolean())
                    .as("within %d turns", MAX_TURNS)
                    .isTrue();
        }
    }

    /**
     * A database manager that knows one SLA (and is too busy to list it the first time it is asked), stores sample
     * batch ids and answers every other op with an empty page.
     */
    private final class PlayedDatabase {
        final List<String> ops = new ArrayList<>();
        final List<Long> batchIds = new ArrayList<>();
        private final MailboxCallee callee;
        private final SampleBatchFlyweight batch = new SampleBatchFlyweight();

        PlayedDatabase(MailboxCallee callee) {
            this.callee = callee;
        }

        void serve() {
            callee.poll(this::onRequest, 64);
        }

        private void onRequest(MailboxCallee.Request request) {
            if (request.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
                batch.wrap(request.params().asSlice(0, request.length()).asByteBuffer(), 0);
                if (batch.isWellFormed(request.length())) {
                    batchIds.add(batch.batchId());
                }
                request.reply(CallStatus.OK, 0);
                return;
            }
            String op;
            try {
                op = json.readTree(request.params().asSlice(0, request.length()).toArray(ValueLayout.JAVA_BYTE))
                        .path("op")
                        .asText();
            } catch (IOException e) {
                request.reply(CallStatus.INVALID, 0);
                return;
            }
            ops.add(op);
            if (op.equals("sla.list") && ops.stream().filter("sla.list"::equals).count() == 1) {
                request.reply(CallStatus.UNAVAILABLE, 0);
                return;
            }
            String result = op.equals("sla.list")
                    ? "{\"items\": [{\"name\": \"gold\", \"version\": 2, \"spec\": {\"name\": \"gold\","
                            + " \"scope\": {\"kind\": \"VOLUME\", \"id\": \"1\"}, \"reservedIops\": 1000,"
                            + " \"priority\": \"CRITICAL\"}}], \"next\": null}"
                    : "{\"items\": [], \"next\": null}";
            request.reply(CallStatus.OK, ParamWriter.of(result.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
