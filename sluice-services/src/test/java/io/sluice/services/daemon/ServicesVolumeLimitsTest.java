package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.testkit.Await;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The services daemon through its real mailboxes, on a clock the test moves: volumes announced and reported as the
 * monitor passes them on, the limit on volumes tracked, volumes dropped from a gateway's announcement and volumes gone
 * silent, each seen in the services' status and live views.
 */
class ServicesVolumeLimitsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long EXPIRY = 60_000;
    private final ObjectMapper json = new ObjectMapper();
    private final Path dir = Path.of("/dev/shm");
    private final String name = "sluice-svc-limits-" + ProcessHandle.current().pid();
    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private long sequence;
    private long calls;

    @AfterEach
    void removeMailboxes() throws Exception {
        for (String suffix : List.of(
                ServerMailboxes.SERVICES_SUFFIX,
                ServerMailboxes.SERVICES_QUERIES_SUFFIX,
                ServerMailboxes.MONITOR_SUFFIX)) {
            Files.deleteIfExists(ServerMailboxes.file(dir, name, suffix));
        }
        Files.deleteIfExists(ServerMailboxes.directory(dir, name));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void keepsStateOnlyForVolumesStillThereAndNoMoreThanItsLimit() throws Exception {
        ServicesConfig none = new ServicesConfig(List.of(), List.of(), List.of());
        try (ServicesDaemon daemon =
                        ServicesDaemon.start(dir, name, none, new VolumeLimits(3, EXPIRY), 100, clock, false);
                Mailbox servicesBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX));
                Mailbox queriesBox =
                        Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                MailboxClient web = MailboxClient.attach(queriesBox, ServerMailboxes.CALLER_WEB);
                MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR)) {
            post(monitor, MailboxOpcodes.SERVICES_GATEWAY_VOLUMES, announcement(11, "gw-a", 1, 2, 3));
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(11, 1, 2, 3));
            Await.until(
                    30_000,
                    () -> liveVolumes(web).size() == 3
                            && status(web).path("volumeState").path("tracked").asInt() == 3);
            assertThat(gatewayVolumes(web, 11)).containsExactly(1, 2, 3);

            // A fourth volume, announced then reported, is refused: nothing is kept of it and an alert says why.
            post(monitor, MailboxOpcodes.SERVICES_GATEWAY_VOLUMES, announcement(12, "gw-b", 4));
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(12, 4));
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(11, 1, 4, 2));
            Await.until(
                    30_000,
                    () -> status(web)
                                    .path("volumeState")
                                    .path("refusedOverLimit")
                                    .asLong()
                            == 3);
            assertThat(liveVolumes(web)).containsExactly(1, 2, 3);
            assertThat(query(web, "{\"op\": \"live.volume\", \"volumeId\": 1, \"seconds\": 600}")
                            .path("points")
                            .size())
                    .isEqualTo(2);
            assertThat(alertKeys(web)).contains(ReportIntake.VOLUME_LIMIT_ALERT);

            // The gateway comes back serving volume 1 only: 2 and 3 go.
            post(monitor, MailboxOpcodes.SERVICES_GATEWAY_VOLUMES, announcement(11, "gw-a", 1));
            Await.until(30_000, () -> liveVolumes(web).equals(List.of(1)));
            JsonNode state = status(web).path("volumeState");
            assertThat(state.path("tracked").asInt()).isEqualTo(1);
            assertThat(state.path("evicted").asLong()).isEqualTo(2);
            assertThat(gatewayVolumes(web, 11)).containsExactly(1);

            // Volume 4 gets in now, and the alert clears at the next sweep.
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(12, 4));
            Await.until(30_000, () -> liveVolumes(web).equals(List.of(1, 4)));
            clock.advance(EXPIRY / 2);
            Await.until(30_000, () -> !alertKeys(web).contains(ReportIntake.VOLUME_LIMIT_ALERT));

            // Volume 1 reports on; 4 falls silent and expires.
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(11, 1));
            clock.advance(EXPIRY / 2 + 1);
            Await.until(30_000, () -> liveVolumes(web).equals(List.of(1)));
            assertThat(status(web).path("volumeState").path("evicted").asLong()).isEqualTo(3);

            // A volume that was dropped comes back like a new one.
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(11, 1, 2));
            Await.until(30_000, () -> liveVolumes(web).equals(List.of(1, 2)));
            assertThat(daemon.problem()).isNull();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aVolumeAnOperatorPlacedIsKeptOverTheLimitAndItsPlacementOutlivesItsReports() throws Exception {
        ServicesConfig config = new ServicesConfig(
                List.of(new BackendProfile("b1", 10_000, 200)),
                List.of(new VolumePlacement(9, "b1", List.of(), 1L << 30)),
                List.of());
        try (ServicesDaemon daemon =
                        ServicesDaemon.start(dir, name, config, new VolumeLimits(1, EXPIRY), 100, clock, false);
                Mailbox servicesBox = Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX));
                Mailbox queriesBox =
                        Mailbox.open(ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                MailboxClient web = MailboxClient.attach(queriesBox, ServerMailboxes.CALLER_WEB);
                MailboxCaller monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR)) {
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(11, 1));
            post(monitor, MailboxOpcodes.SERVICES_STATS_REPORT, report(11, 9, 5));
            JsonNode state = status(web).path("volumeState");
            assertThat(state.path("tracked").asInt()).isEqualTo(2);
            assertThat(state.path("refusedOverLimit").asLong()).isEqualTo(1);
            assertThat(liveVolumes(web)).containsExactly(1, 9);

            clock.advance(EXPIRY);
            Await.until(
                    30_000,
                    () -> status(web).path("volumeState").path("tracked").asInt() == 0);
            assertThat(liveVolumes(web)).as("the configured placement stays").containsExactly(9);
            assertThat(query(web, "{\"op\": \"live.volume\", \"volumeId\": 9, \"seconds\": 600}")
                            .path("points"))
                    .isEmpty();
        }
    }

    private List<Integer> liveVolumes(MailboxClient web) {
        List<Integer> ids = new ArrayList<>();
        query(web, "{\"op\": \"live.volumes\"}")
                .path("items")
                .forEach(item -> ids.add(item.path("volumeId").asInt()));
        return ids;
    }

    private List<Integer> gatewayVolumes(MailboxClient web, long gatewayId) {
        List<Integer> ids = new ArrayList<>();
        for (JsonNode gateway : query(web, "{\"op\": \"gateways.list\"}").path("items")) {
            if (gateway.path("gatewayId").asLong() == gatewayId) {
                gateway.path("volumes").forEach(v -> ids.add(v.asInt()));
            }
        }
        return ids;
    }

    private List<String> alertKeys(MailboxClient web) {
        List<String> keys = new ArrayList<>();
        query(web, "{\"op\": \"alerts.list\"}")
                .path("items")
                .forEach(alert -> keys.add(alert.path("key").asText()));
        return keys;
    }

    private JsonNode status(MailboxClient web) {
        return query(web, "{\"op\": \"status\"}");
    }

    /** Posts a call as the monitor does and waits until the services have answered it. */
    private void post(MailboxCaller monitor, int opcode, byte[] params) throws InterruptedException {
        long correlation = ++calls;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean[] answered = {false};
        while (monitor.call(opcode, 0, correlation, params) == MailboxStatus.MAILBOX_FULL) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(1);
        }
        while (!answered[0]) {
            assertThat(System.nanoTime())
                    .as("the services answer call %d", correlation)
                    .isLessThan(deadline);
            monitor.pollReplies(reply -> answered[0] |= reply.correlationId() == correlation, 64);
            Thread.sleep(1);
        }
    }

    /** A STATS report of the gateway's volumes over the interval that ends now. */
    private byte[] report(long gatewayId, int... volumes) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(volumes.length));
        StatsWriter writer = new StatsWriter();
        sequence++;
        writer.begin(
                frame,
                sequence,
                gatewayId,
                false,
                sequence,
                sequence,
                clock.epochMillis() - 100 + sequence,
                100,
                volumes.length);
        for (int i = 0; i < volumes.length; i++) {
            writer.volume(i)
                    .volumeId(volumes[i])
                    .ops(IoDirection.READ, 100)
                    .bytes(IoDirection.READ, 100 * 4_096)
                    .latencyBucket(IoDirection.READ, 9, 100);
        }
        writer.commit();
        return frame.array();
    }

    /** What the monitor posts when a gateway opens a session: all its volumes, in one part. */
    private static byte[] announcement(long gatewayId, String gatewayName, int... volumes) {
        byte[] nameBytes = gatewayName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(GatewayVolumesDescriptor.length(volumes.length, nameBytes.length));
        b.putLong(GatewayVolumesDescriptor.GATEWAY_ID_OFFSET, gatewayId);
        b.putInt(GatewayVolumesDescriptor.FIRST_OFFSET, 0);
        b.putInt(GatewayVolumesDescriptor.TOTAL_OFFSET, volumes.length);
        b.putInt(GatewayVolumesDescriptor.COUNT_OFFSET, volumes.length);
        b.putInt(GatewayVolumesDescriptor.NAME_LENGTH_OFFSET, nameBytes.length);
        b.putLong(GatewayVolumesDescriptor.CAPABILITIES_OFFSET, Capabilities.SLUICE_GATEWAY);
        for (int i = 0; i < volumes.length; i++) {
            int entry = GatewayVolumesDescriptor.volumeOffset(i);
            byte[] exportName = ("disk" + volumes[i]).getBytes(StandardCharsets.UTF_8);
            b.putInt(entry + VolumeDescriptor.ID_OFFSET, volumes[i]);
            b.putShort(entry + VolumeDescriptor.NAME_LENGTH_OFFSET, (short) exportName.length);
            b.putLong(entry + VolumeDescriptor.CAPACITY_OFFSET, 1L << 30);
            b.put(entry + VolumeDescriptor.NAME_OFFSET, exportName);
        }
        b.put(GatewayVolumesDescriptor.volumeOffset(volumes.length), nameBytes);
        return b.array();
    }

    private JsonNode query(MailboxClient web, String request) {
        try {
            Reply reply = web.call(MailboxOpcodes.SERVICES_JSON, request.getBytes(StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS);
            JsonNode result = json.readTree(reply.result());
            assertThat(reply.status()).as("%s -> %s", request, result).isEqualTo(CallStatus.OK);
            return result;
        } catch (Exception e) {
            throw new AssertionError(request, e);
        }
    }
}
