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
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.services.sla.Scope;
import io.sluice.sim.storage.SimulatedBackend;
import io.sluice.testkit.Await;
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
 * The services daemon started on its own thread, through its real mailboxes: reports posted as the monitor posts them,
 * throttle sets taken by a monitor played on a mailbox service thread, JSON calls as the application server makes them.
 * What the loop does turn by turn is in {@link ServicesHandDrivenTest}.
 */
class ServicesDaemonMailboxTest {
    private final ObjectMapper json = new ObjectMapper();

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
}
