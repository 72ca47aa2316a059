package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.services.daemon.ServicesConfig;
import io.sluice.services.daemon.ServicesDaemon;
import io.sluice.services.daemon.VolumeLimits;
import io.sluice.sim.SimContext;
import io.sluice.sim.Simulator;
import io.sluice.sim.VolumeIds;
import io.sluice.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Gateways speak only for their own volumes, and only for so many: simulated gateways on loopback announce volumes to
 * the real monitor, which hands them to the real SLA services through their mailboxes; the same gateways come back
 * serving fewer volumes and the services' state shrinks to them; a gateway announcing more volumes than the monitor
 * accepts per gateway is refused and leaves nothing behind.
 */
@Tag("system")
class VolumeEvictionSystemTest {
    private static final byte[] SECRET = "volume-eviction-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void volumesAGatewayDropsAreEvictedAndAGatewayOverTheLimitIsRefused() throws Exception {
        String name = "sluice-evict-" + ProcessHandle.current().pid();
        Path monitorBox = Path.of("/dev/shm", name + "-monitor");
        Path servicesBox = Path.of("/dev/shm", name + "-services");
        Path queriesBox = Path.of("/dev/shm", name + "-services-queries");
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(Set.of(1L, 2L, 3L))
                .withPolling(200, 3)
                .withPairs(1, 3)
                .withVolumeLimit(4);
        try (MonitorDaemon monitor = new MonitorDaemon(context);
                ServicesDaemon services = new ServicesDaemon(
                                servicesBox,
                                queriesBox,
                                monitorBox,
                                null,
                                new ServicesConfig(List.of(), List.of(), List.of()),
                                new VolumeLimits(1_000, 600_000),
                                200,
                                EpochClock.system())
                        .start();
                MailboxClient web = MailboxClient.attach(Mailbox.open(queriesBox), ServerMailboxes.CALLER_WEB)) {
            try (Simulator sim = Simulator.start(simulator(monitor, 1, 2, 4))) {
                Await.until(
                        60_000,
                        () -> volumeState(web).path("tracked").asInt() == 8
                                && sim.snapshot().total().pollsAnswered() >= 4);
                assertThat(query(web, "live.volumes").path("items")).hasSize(8);
            }
            // The same two gateways come back serving their first two volumes only.
            try (Simulator sim = Simulator.start(simulator(monitor, 1, 2, 2))) {
                Await.until(60_000, () -> volumeState(web).path("tracked").asInt() == 4);
                assertThat(volumeState(web).path("evicted").asLong()).isEqualTo(4);
                assertThat(query(web, "live.volumes").path("items")).hasSize(4);
                for (JsonNode gateway : query(web, "gateways.list").path("items")) {
                    assertThat(gateway.path("volumes"))
                            .as("gateway %s", gateway)
                            .hasSize(2);
                }
                long answered = sim.snapshot().total().pollsAnswered();
                Await.until(60_000, () -> sim.snapshot().total().pollsAnswered() >= answered + 4);
                assertThat(volumeState(web).path("tracked").asInt())
                        .as("reports keep the rest")
                        .isEqualTo(4);
            }
            // A gateway announcing five volumes where four are accepted is refused; the services never see them.
            try (Simulator sim = Simulator.start(simulator(monitor, 3, 1, 5))) {
                Await.until(
                        60_000,
                        () -> sim.snapshot().total().authRefused() >= 1
                                && monitor.counters().volumeLimitRefusals() >= 1);
                assertThat(sim.snapshot().total().authAccepted()).isZero();
                assertThat(volumeState(web).path("tracked").asInt()).isEqualTo(4);
                assertThat(volumeState(web).path("refusedOverLimit").asLong()).isZero();
            }
        } finally {
            for (Path box : List.of(monitorBox, servicesBox, queriesBox)) {
                Files.deleteIfExists(box);
            }
        }
    }

    private static SimContext simulator(MonitorDaemon monitor, long firstGatewayId, int gateways, int volumes) {
        return SimContext.builder(monitor.address(), SECRET)
                .gateways(gateways)
                .volumesPerGateway(volumes)
                .firstGatewayId(firstGatewayId)
                .volumeIds(VolumeIds.DISTINCT)
                .seed(7)
                .build();
    }

    private JsonNode volumeState(MailboxClient web) {
        return query(web, "status").path("volumeState");
    }

    private JsonNode query(MailboxClient web, String op) {
        try {
            Reply reply = web.call(
                            MailboxOpcodes.SERVICES_JSON, ("{\"op\": \"" + op + "\"}").getBytes(StandardCharsets.UTF_8))
                    .get(10, TimeUnit.SECONDS);
            assertThat(reply.status()).as(op).isEqualTo(CallStatus.OK);
            return json.readTree(reply.result());
        } catch (Exception e) {
            throw new AssertionError(op, e);
        }
    }
}
