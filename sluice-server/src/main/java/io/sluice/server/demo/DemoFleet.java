package io.sluice.server.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.sim.VolumeProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The volumes {@code sluice demo --volumes N} adds beyond gold and bronze: N - 2 volumes on simulated gateways
 * ({@code sluice sim}) of {@link #VOLUMES_PER_GATEWAY} volumes each, plus one gateway for the remainder. Every
 * simulated volume draws its own demand from the simulator's profile, so the dashboard shows a spread. One in ten
 * belongs to the analytics tenant (SLA "silver": a latency objective) and one in ten to the archive tenant (SLA
 * "archive": a cap well under what its volumes want, so they are throttled); the rest have no SLA, as on a real site
 * where not everything is managed.
 */
public final class DemoFleet {
    /** The most volumes the demo runs: the dashboard is busy well before, and the simulators share one machine. */
    public static final int MAX_VOLUMES = 4_000;

    public static final int VOLUMES_PER_GATEWAY = 64;
    /**
     * Far above the real gateways (1 and 2); with distinct volume ids the first simulated volume is 100 x 64 + 1 =
     * 6,401, clear of gold (1) and bronze (1001).
     */
    public static final long FIRST_GATEWAY_ID = 101;
    /**
     * The simulated gateways connect this far apart: each brings 64 new volumes for the services to place and register,
     * and all of them at once stall the services past their heartbeat on a small machine.
     */
    static final long RAMP_UP_MILLIS_PER_GATEWAY = 250;
    /**
     * The supervisor's heartbeat timeout with a fleet, as the scale test's: a services loop that takes in thousands of
     * volumes is slow for a while without being hung, and a restart would only start it over.
     */
    public static final long HEARTBEAT_TIMEOUT_MILLIS = 10_000;
    /** Each archive volume's share of its tenant's cap: under every simulated volume's lowest demand. */
    static final int ARCHIVE_IOPS_PER_VOLUME = 150;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int fullGateways;
    private final int remainder;
    private final long remainderGatewayId;

    private DemoFleet(int simulatedVolumes) {
        this.fullGateways = simulatedVolumes / VOLUMES_PER_GATEWAY;
        this.remainder = simulatedVolumes % VOLUMES_PER_GATEWAY;
        // The simulator numbers a gateway's volumes (id - 1) x K + 1 .. id x K; this id puts the remainder's
        // volumes right after the full gateways' so no two gateways claim one volume.
        long lastFullId = (FIRST_GATEWAY_ID - 1 + fullGateways) * VOLUMES_PER_GATEWAY;
        this.remainderGatewayId = remainder == 0 ? 0 : Math.ceilDiv(lastFullId, remainder) + 1;
    }

    /** The fleet for a demo of {@code volumes} volumes in all, gold and bronze included. */
    public static DemoFleet of(int volumes) {
        if (volumes < 2 || volumes > MAX_VOLUMES) {
            throw new IllegalArgumentException(
                    "--volumes must be 2.." + MAX_VOLUMES + " (gold and bronze included): " + volumes);
        }
        return new DemoFleet(volumes - 2);
    }

    public int size() {
        return fullGateways * VOLUMES_PER_GATEWAY + remainder;
    }

    public int gateways() {
        return fullGateways + (remainder > 0 ? 1 : 0);
    }

    /** Gateway ids or ranges the monitor admits without approval. */
    public List<String> approvedGateways() {
        List<String> ids = new ArrayList<>();
        if (fullGateways > 0) {
            ids.add(FIRST_GATEWAY_ID + "-" + (FIRST_GATEWAY_ID + fullGateways - 1));
        }
        if (remainder > 0) {
            ids.add(Long.toString(remainderGatewayId));
        }
        return ids;
    }

    /** Every simulated volume's id, as the simulator numbers them with {@code --volume-ids distinct}. */
    public List<Integer> volumeIds() {
        List<Integer> ids = new ArrayList<>();
        for (long g = FIRST_GATEWAY_ID; g < FIRST_GATEWAY_ID + fullGateways; g++) {
            addIds(ids, g, VOLUMES_PER_GATEWAY);
        }
        if (remainder > 0) {
            addIds(ids, remainderGatewayId, remainder);
        }
        return ids;
    }

    private static void addIds(List<Integer> ids, long gatewayId, int volumes) {
        int first = Math.toIntExact((gatewayId - 1) * volumes + 1);
        for (int i = 0; i < volumes; i++) {
            ids.add(first + i);
        }
    }

    /**
     * The simulators, as roles of the demo's supervisor; each issues its gateways' certificates from {@code pkiDir}.
     */
    public List<RoleSpec> roles(int monitorPort, Path secret, Path pkiDir, List<String> jvmOptions) {
        List<RoleSpec> roles = new ArrayList<>();
        if (fullGateways > 0) {
            roles.add(simulator(
                    "sim-gateways",
                    monitorPort,
                    secret,
                    pkiDir,
                    jvmOptions,
                    fullGateways,
                    VOLUMES_PER_GATEWAY,
                    FIRST_GATEWAY_ID));
        }
        if (remainder > 0) {
            roles.add(simulator(
                    "sim-remainder", monitorPort, secret, pkiDir, jvmOptions, 1, remainder, remainderGatewayId));
        }
        return roles;
    }

    private static RoleSpec simulator(
            String name,
            int monitorPort,
            Path secret,
            Path pkiDir,
            List<String> jvmOptions,
            int gateways,
            int volumes,
            long firstGatewayId) {
        return new RoleSpec(
                name,
                List.of(
                        "sim",
                        "--monitor",
                        "127.0.0.1:" + monitorPort,
                        "--secret-file",
                        secret.toString(),
                        "--pki-dir",
                        pkiDir.toString(),
                        "--gateways",
                        Integer.toString(gateways),
                        "--volumes-per-gateway",
                        Integer.toString(volumes),
                        "--first-gateway-id",
                        Long.toString(firstGatewayId),
                        "--volume-ids",
                        "distinct",
                        "--seed",
                        Long.toString(firstGatewayId),
                        "--ramp-up-ms",
                        Long.toString(gateways * RAMP_UP_MILLIS_PER_GATEWAY),
                        "--summary-interval",
                        "60"),
                null,
                jvmOptions);
    }

    /** The services' backends for the managed simulated volumes: room for every member's highest demand. */
    public void addBackends(ArrayNode backends) {
        for (String tenant : List.of("analytics", "archive")) {
            int members = members(tenant).size();
            if (members > 0) {
                backends.addObject()
                        .put("id", "sim-" + tenant)
                        .put("nominalIops", (long) members * VolumeProfile.DEFAULTS.maxIops())
                        .put("floorLatencyMicros", 300);
            }
        }
    }

    /**
     * Placements for the managed simulated volumes (the services analyse only placed volumes). Each tenant has its own
     * backend, so the archive's throttled latency never reads as congestion for analytics.
     */
    public void addPlacements(ArrayNode volumes) {
        for (String tenant : List.of("analytics", "archive")) {
            for (int volumeId : members(tenant)) {
                ObjectNode placement =
                        volumes.addObject().put("volumeId", volumeId).put("backendId", "sim-" + tenant);
                placement.putArray("groups").addObject().put("kind", "TENANT").put("id", tenant);
                placement.put("allocatedBytes", VolumeProfile.DEFAULTS.capacityBytes());
            }
        }
    }

    /** The SLAs of the simulated tenants that have members. */
    public List<ObjectNode> slas() {
        List<ObjectNode> slas = new ArrayList<>();
        if (!members("analytics").isEmpty()) {
            ObjectNode silver = JSON.createObjectNode().put("name", "silver");
            silver.putObject("scope").put("kind", "TENANT").put("id", "analytics");
            silver.put("weight", 200).put("priority", "STANDARD");
            silver.putObject("latency")
                    .put("percentile", 95)
                    .put("readMicros", 5_000)
                    .put("writeMicros", 5_000)
                    .put("windowIntervals", 5);
            slas.add(silver);
        }
        int archived = members("archive").size();
        if (archived > 0) {
            ObjectNode archive = JSON.createObjectNode().put("name", "archive");
            archive.putObject("scope").put("kind", "TENANT").put("id", "archive");
            archive.put("iopsLimit", (long) archived * ARCHIVE_IOPS_PER_VOLUME)
                    .put("weight", 50)
                    .put("priority", "BACKGROUND");
            slas.add(archive);
        }
        return slas;
    }

    /** Every tenth simulated volume is analytics, every tenth from the sixth on is archive. */
    private List<Integer> members(String tenant) {
        int offset = tenant.equals("analytics") ? 0 : 5;
        List<Integer> all = volumeIds();
        List<Integer> members = new ArrayList<>();
        for (int i = offset; i < all.size(); i += 10) {
            members.add(all.get(i));
        }
        return members;
    }
}
