package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.Scope;
import io.sluice.sim.storage.SimulatedBackend;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The services daemon through its real mailboxes: reports and gateway states posted as the monitor posts them, JSON
 * calls as the application server makes them, and a database manager played by a callee thread of this test that serves
 * one SLA at startup and stores what the services forward.
 */
class ServicesDaemonMailboxTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void servesQueriesLoadsSlasFromTheDatabaseAndForwardsWhatItSees() throws Exception {
        Path dir = Path.of("/dev/shm");
        String name = "sluice-svc-test-" + ProcessHandle.current().pid();
        Path dbFile = ServerMailboxes.file(dir, name, ServerMailboxes.DB_SUFFIX);
        ConcurrentLinkedQueue<String> ops = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> batchIds = new ConcurrentLinkedQueue<>();
        ServicesConfig config = new ServicesConfig(
                List.of(new BackendProfile("b1", 10_000, 200)),
                List.of(
                        new VolumePlacement(1, "b1", List.of(), 1L << 40),
                        new VolumePlacement(2, "b1", List.of(), 1L << 40)),
                List.of());
        SimulatedBackend backend = new SimulatedBackend(10_000, 200, 5);
        backend.addVolume(1, 11L).demand(2_000);
        backend.addVolume(2, 12L).demand(2_000);
        try (Mailbox db = Mailbox.create(dbFile, ServerMailboxes.DB, EpochClock.system());
                FakeDatabase database = new FakeDatabase(db, ops, batchIds);
                ServicesDaemon daemon = ServicesDaemon.start(dir, name, config, 100, EpochClock.system(), true);
                Mailbox servicesBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX));
                Mailbox queriesBox =
                        Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                MailboxClient web = MailboxClient.attach(queriesBox, ServerMailboxes.CALLER_WEB);
                MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR)) {
            // The SLA the database manager holds reaches the services without any file.
            Await.until(
                    30_000,
                    () -> query(web, "{\"op\": \"status\"}").path("slas").asInt() == 1);

            ByteBuffer state = ByteBuffer.allocate(GatewayStateDescriptor.LENGTH);
            GatewayStateDescriptor.write(
                    state, 0, 11L, System.currentTimeMillis(), GatewayStateDescriptor.GatewayState.IN_SESSION, 0);
            assertThat(monitor.call(MailboxOpcodes.SERVICES_GATEWAY_STATE, 0, 1, state.array()))
                    .isPositive();
            for (int second = 0; second < 20; second++) {
                for (ByteBuffer frame :
                        backend.step(System.currentTimeMillis(), 100).values()) {
                    byte[] bytes = new byte[frame.remaining()];
                    frame.get(frame.position(), bytes);
                    while (monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, 0, second, bytes)
                            == MailboxStatus.MAILBOX_FULL) {
                        Thread.sleep(1);
                    }
                }
                monitor.pollReplies(reply -> {}, 64);
                Thread.sleep(100);
            }
            Await.until(
                    30_000,
                    () -> query(web, "{\"op\": \"live.volumes\"}").path("items").size() == 2);
            JsonNode volumes = query(web, "{\"op\": \"live.volumes\"}");
            assertThat(volumes.path("items").get(0).path("sla").asText()).isEqualTo("gold");
            assertThat(volumes.path("items").get(0).path("iops").asDouble()).isPositive();
            JsonNode gateways = query(web, "{\"op\": \"gateways.list\"}");
            assertThat(gateways.path("items")).hasSize(2);
            assertThat(gateways.path("items").get(0).path("state").asText()).isEqualTo("IN_SESSION");
            assertThat(query(web, "{\"op\": \"live.volume\", \"volumeId\": 2}")
                            .path("points")
                            .size())
                    .isPositive();
            Reply bad = web.call(MailboxOpcodes.SERVICES_JSON, "{\"op\": ".getBytes(StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS);
            assertThat(bad.status()).isEqualTo(CallStatus.INVALID);

            Await.until(30_000, () -> batchIds.size() >= 3);
            assertThat(List.copyOf(batchIds)).isSorted().doesNotHaveDuplicates();
            Await.until(
                    30_000,
                    () -> ops.contains("compliance.append")
                            && ops.contains("gateway.upsert")
                            && ops.contains("volumes.upsert"));
            JsonNode status = query(web, "{\"op\": \"status\"}");
            assertThat(status.path("dbForwarding").path("attached").asBoolean()).isTrue();
            assertThat(status.path("dbForwarding").path("droppedSamples").asLong())
                    .isZero();
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

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aVolumeNoConfigurationPlacedIsStillHeldToItsSla() throws Exception {
        Path dir = Path.of("/dev/shm");
        String name = "sluice-svc-disc-" + ProcessHandle.current().pid();
        ServicesConfig config = new ServicesConfig(
                List.of(),
                List.of(),
                List.of(new ServicesConfig.SlaSpec(
                        "capped", new Scope(Scope.Kind.VOLUME, "7"), 500, 0, null, null, null)));
        SimulatedBackend backend = new SimulatedBackend(10_000, 200, 5);
        backend.addVolume(7, 70L).demand(3_000);
        ConcurrentLinkedQueue<Long> limits = new ConcurrentLinkedQueue<>();
        try (ServicesDaemon daemon = ServicesDaemon.start(dir, name, config, 100, EpochClock.system(), false);
                Mailbox servicesBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX));
                Mailbox queriesBox =
                        Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                Mailbox monitorBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.MONITOR_SUFFIX));
                MailboxService monitorSide = new MailboxService(
                                MailboxCallee.attach(monitorBox),
                                request -> {
                                    if (request.opcode() == MailboxOpcodes.MONITOR_THROTTLE_SET) {
                                        ThrottleSetReader set = new ThrottleSetReader()
                                                .wrap(
                                                        request.params()
                                                                .asSlice(0, request.length())
                                                                .asByteBuffer(),
                                                        0);
                                        for (int i = 0; i < set.volumeCount(); i++) {
                                            if (set.volume(i).volumeId() == 7) {
                                                limits.add(set.volume(i).iopsLimit());
                                            }
                                        }
                                    }
                                    request.reply(MailboxOpcodes.THROTTLE_STORED, 0);
                                },
                                0,
                                "test-monitor")
                        .start();
                MailboxClient web = MailboxClient.attach(queriesBox, ServerMailboxes.CALLER_WEB);
                MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR)) {
            for (int step = 0; step < 30 && limits.isEmpty(); step++) {
                for (ByteBuffer frame :
                        backend.step(System.currentTimeMillis(), 100).values()) {
                    byte[] bytes = new byte[frame.remaining()];
                    frame.get(frame.position(), bytes);
                    while (monitor.call(MailboxOpcodes.SERVICES_STATS_REPORT, 0, step, bytes)
                            == MailboxStatus.MAILBOX_FULL) {
                        Thread.sleep(1);
                    }
                }
                monitor.pollReplies(reply -> {}, 64);
                Thread.sleep(100);
            }
            Await.until(30_000, () -> !limits.isEmpty());
            assertThat(limits)
                    .allSatisfy(limit -> assertThat(limit).isPositive().isLessThanOrEqualTo(500));
            JsonNode volume =
                    query(web, "{\"op\": \"live.volumes\"}").path("items").get(0);
            assertThat(volume.path("volumeId").asInt()).isEqualTo(7);
            assertThat(volume.path("sla").asText()).isEqualTo("capped");
            assertThat(volume.path("backendId").asText()).isEqualTo("gateway-70");
        } finally {
            for (String suffix : List.of(
                    ServerMailboxes.SERVICES_SUFFIX,
                    ServerMailboxes.SERVICES_QUERIES_SUFFIX,
                    ServerMailboxes.MONITOR_SUFFIX)) {
                Files.deleteIfExists(ServerMailboxes.file(dir, name, suffix));
            }
            Files.deleteIfExists(ServerMailboxes.directory(dir, name));
        }
    }

    private JsonNode query(MailboxClient web, String request) {
        Reply reply;
        JsonNode result;
        try {
            reply = web.call(MailboxOpcodes.SERVICES_JSON, request.getBytes(StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS);
            result = json.readTree(reply.result());
        } catch (Exception e) {
            throw new AssertionError(request, e);
        }
        assertThat(reply.status()).as("%s -> %s", request, result).isEqualTo(CallStatus.OK);
        return result;
    }

    /**
     * A database manager that knows one SLA (and is too busy to list it the first time it is asked, as one restarting
     * under load is), stores sample batch ids and answers every other op with {}.
     */
    private static final class FakeDatabase implements AutoCloseable {
        private final MailboxCallee callee;
        private final Thread thread;
        private volatile boolean running = true;

        FakeDatabase(Mailbox mailbox, ConcurrentLinkedQueue<String> ops, ConcurrentLinkedQueue<Long> batchIds) {
            callee = MailboxCallee.attach(mailbox);
            ObjectMapper json = new ObjectMapper();
            SampleBatchFlyweight batch = new SampleBatchFlyweight();
            thread = Thread.ofPlatform().name("fake-db").start(() -> {
                while (running) {
                    callee.poll(
                            request -> {
                                if (request.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
                                    batch.wrap(
                                            request.params()
                                                    .asSlice(0, request.length())
                                                    .asByteBuffer(),
                                            0);
                                    if (batch.isWellFormed(request.length())) {
                                        batchIds.add(batch.batchId());
                                    }
                                    request.reply(CallStatus.OK, 0);
                                    return;
                                }
                                try {
                                    JsonNode call = json.readTree(request.params()
                                            .asSlice(0, request.length())
                                            .toArray(ValueLayout.JAVA_BYTE));
                                    String op = call.path("op").asText();
                                    ops.add(op);
                                    if (op.equals("sla.list")
                                            && ops.stream()
                                                            .filter("sla.list"::equals)
                                                            .count()
                                                    == 1) {
                                        request.reply(CallStatus.UNAVAILABLE, 0);
                                        return;
                                    }
                                    String result = op.equals("sla.list")
                                            ? "{\"items\": [{\"name\": \"gold\", \"version\": 2, \"spec\": {\"name\": \"gold\","
                                                    + " \"scope\": {\"kind\": \"VOLUME\", \"id\": \"1\"}, \"reservedIops\": 1000,"
                                                    + " \"priority\": \"CRITICAL\"}}], \"next\": null}"
                                            : "{\"items\": [], \"next\": null}";
                                    request.reply(
                                            CallStatus.OK, ParamWriter.of(result.getBytes(StandardCharsets.UTF_8)));
                                } catch (IOException e) {
                                    request.reply(CallStatus.INVALID, 0);
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
