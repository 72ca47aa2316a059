package io.sluice.server.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.pki.CertificateAuthority;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.server.config.ServerConfig;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.RoleSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything {@code sluice demo} runs, laid out in one directory: a shared storage array (a gateway with a modelled
 * capacity of {@link #ARRAY_IOPS} I/Os per second, serving two disk files), two I/O performance gateways in front of it
 * (gold's volume on gateway 1, bronze's on gateway 2), the SLA server, and a load generator per volume: gold steady at
 * {@link #GOLD_IOPS}, bronze flooding for {@link #FLOOD_SECONDS} then quiet as long, again and again. When bronze
 * floods, the array's queue grows and gold's latency rises toward its objective; the SLA services then throttle bronze,
 * and lift the throttle once the flood ends. With more than two volumes asked for, a {@link DemoFleet} of simulated
 * gateways adds the rest.
 *
 * <p>The gateway link runs over TLS, as a deployment's should: the server's authority is made in the demo's data
 * directory ({@code data/pki}) before anything starts, and issues the two gateways their client certificates
 * ({@code gold-gateway.crt}, {@code .key} 0600); the simulators issue theirs from it.
 */
public final class DemoPlan {
    public static final int ARRAY_IOPS = 3_000;
    public static final int GOLD_IOPS = 1_800;
    public static final int GOLD_RESERVED_IOPS = 1_500;
    public static final int GOLD_P95_TARGET_MICROS = 20_000;
    public static final int FLOOD_SECONDS = 25;
    public static final int BRONZE_VOLUME_ID = 1001;
    private static final long DISK_BYTES = 256L << 20;
    private static final Duration GATEWAY_CERTIFICATE_VALIDITY = Duration.ofDays(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int monitorPort;
    private final int webPort;
    private final int arrayPort;
    private final int goldPort;
    private final int bronzePort;
    private final long pollIntervalMillis;
    private final DemoFleet fleet;

    private DemoPlan(Path dir, int webPort, long pollIntervalMillis, DemoFleet fleet) throws IOException {
        this.dir = dir;
        this.monitorPort = freePort();
        this.webPort = webPort > 0 ? webPort : freePort();
        this.arrayPort = freePort();
        this.goldPort = freePort();
        this.bronzePort = freePort();
        this.pollIntervalMillis = pollIntervalMillis;
        this.fleet = fleet;
    }

    /** Creates the demo's files under {@code dir} (which must be empty or absent). */
    public static DemoPlan prepare(Path dir, int webPort, long pollIntervalMillis, DemoFleet fleet) throws IOException {
        DemoPlan plan = new DemoPlan(dir.toAbsolutePath(), webPort, pollIntervalMillis, fleet);
        plan.writeFiles();
        return plan;
    }

    private void writeFiles() throws IOException {
        Files.createDirectories(dir.resolve("array"));
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        PrivateFiles.writeSecret(secret(), secret);
        for (String disk : List.of("gold", "bronze")) {
            try (RandomAccessFile file = new RandomAccessFile(
                    dir.resolve("array").resolve(disk + ".img").toFile(), "rw")) {
                file.setLength(DISK_BYTES);
            }
        }
        Files.writeString(dir.resolve("array.yaml"), """
                # The shared storage array: one backend of %d I/Os per second, both disks on it.
                listen: 127.0.0.1:%d
                stats-file: %s
                backends:
                  - name: array
                    iops: %d
                    queue-depth: 16
                exports:
                  - name: gold-disk
                    target: %s
                    backend: array
                  - name: bronze-disk
                    target: %s
                    backend: array
                """.formatted(
                        ARRAY_IOPS,
                        arrayPort,
                        dir.resolve("array-stats.json"),
                        ARRAY_IOPS,
                        dir.resolve("array/gold.img"),
                        dir.resolve("array/bronze.img")));
        CertificateAuthority ca = CertificateAuthority.create(pkiDir(), "Sluice demo CA", EpochClock.system());
        writeGateway("gold", 1, 0, goldPort, ca);
        writeGateway("bronze", 2, BRONZE_VOLUME_ID - 1, bronzePort, ca);
        Files.write(
                dir.resolve("services.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(servicesBootstrap()));
    }

    /** The services' inventory: the array with gold (tenant payments) and bronze (tenant backup), and the fleet's. */
    private ObjectNode servicesBootstrap() {
        ObjectNode bootstrap = JSON.createObjectNode();
        ArrayNode backends = bootstrap.putArray("backends");
        backends.addObject().put("id", "array").put("nominalIops", ARRAY_IOPS).put("floorLatencyMicros", 300);
        fleet.addBackends(backends);
        ArrayNode volumes = bootstrap.putArray("volumes");
        place(volumes, 1, "payments");
        place(volumes, BRONZE_VOLUME_ID, "backup");
        fleet.addPlacements(volumes);
        return bootstrap;
    }

    private static void place(ArrayNode volumes, int volumeId, String tenant) {
        ObjectNode placement = volumes.addObject().put("volumeId", volumeId).put("backendId", "array");
        placement.putArray("groups").addObject().put("kind", "TENANT").put("id", tenant);
        placement.put("allocatedBytes", DISK_BYTES);
    }

    /** Every SLA the demo stores: gold, bronze and the fleet's. */
    public List<ObjectNode> slas() {
        List<ObjectNode> slas = new ArrayList<>(List.of(goldSla(), bronzeSla()));
        slas.addAll(fleet.slas());
        return slas;
    }

    /** Gold: volume 1's reservation and latency objective, critical. */
    public static ObjectNode goldSla() {
        ObjectNode sla = JSON.createObjectNode().put("name", "gold");
        sla.putObject("scope").put("kind", "VOLUME").put("id", "1");
        sla.put("reservedIops", GOLD_RESERVED_IOPS).put("weight", 300).put("priority", "CRITICAL");
        sla.putObject("latency")
                .put("percentile", 95)
                .put("readMicros", GOLD_P95_TARGET_MICROS)
                .put("writeMicros", GOLD_P95_TARGET_MICROS)
                .put("windowIntervals", 5);
        return sla;
    }

    /** Bronze: the backup tenant, capped and in the background class, throttled first when gold is at risk. */
    public static ObjectNode bronzeSla() {
        ObjectNode sla = JSON.createObjectNode().put("name", "bronze");
        sla.putObject("scope").put("kind", "TENANT").put("id", "backup");
        sla.put("iopsLimit", 5_000).put("weight", 100).put("priority", "BACKGROUND");
        return sla;
    }

    private void writeGateway(String volume, int gatewayId, int volumeIdBase, int port, CertificateAuthority ca)
            throws IOException {
        ca.issueKeyMaterial(
                        GatewayCertificateName.of(gatewayId),
                        List.of(),
                        CertificateAuthority.Usage.CLIENT,
                        GATEWAY_CERTIFICATE_VALIDITY)
                .write(gatewayCertificate(volume), gatewayKey(volume));
        Files.writeString(dir.resolve(volume + "-gateway.yaml"), """
                listen: 127.0.0.1:%d
                stats-file: %s
                exports:
                  - name: %s
                    target: nbd://127.0.0.1:%d/%s-disk
                monitor:
                  address: 127.0.0.1:%d
                  gateway-id: %d
                  secret-file: %s
                  gateway-name: %s-gateway
                  heartbeat-ms: 1000
                  backoff-max-ms: 2000
                  volume-id-base: %d
                  tls-ca: %s
                  tls-cert: %s
                  tls-key: %s
                """.formatted(
                        port,
                        statsFile(volume),
                        volume,
                        arrayPort,
                        volume,
                        monitorPort,
                        gatewayId,
                        secret(),
                        volume,
                        volumeIdBase,
                        pkiDir().resolve(CertificateAuthority.CERTIFICATE_FILE),
                        gatewayCertificate(volume),
                        gatewayKey(volume)));
    }

    /**
     * The SLA server's settings: everything under the demo directory, every gateway pre-approved, the link over TLS.
     */
    public ServerSettings serverSettings(String name, List<String> roles) {
        List<String> approved = new ArrayList<>(List.of("1-2"));
        approved.addAll(fleet.approvedGateways());
        return ServerSettings.resolve(
                ServerConfig.EMPTY,
                new ServerConfig(
                        name,
                        dir.resolve("data").toString(),
                        null,
                        null,
                        secret().toString(),
                        fleet.size() > 0 ? DemoFleet.HEARTBEAT_TIMEOUT_MILLIS : null,
                        roles,
                        null,
                        ServerConfig.Monitor.builder("127.0.0.1:" + monitorPort, pollIntervalMillis, approved)
                                .pairs(1)
                                .tls(true)
                                .build(),
                        new ServerConfig.Services(dir.resolve("services.json").toString(), null, null),
                        null,
                        new ServerConfig.Web("127.0.0.1:" + webPort)));
    }

    /** The array, the gateways and the load generators, in start order, as roles the supervisor keeps running. */
    public List<RoleSpec> workload() {
        List<RoleSpec> roles = new ArrayList<>();
        List<String> small = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        roles.add(new RoleSpec(
                "array",
                List.of("gateway", "--config", dir.resolve("array.yaml").toString()),
                null,
                small,
                arrayPort));
        roles.add(new RoleSpec(
                "gold-gateway",
                List.of("gateway", "--config", dir.resolve("gold-gateway.yaml").toString()),
                null,
                small,
                goldPort));
        roles.add(new RoleSpec(
                "bronze-gateway",
                List.of(
                        "gateway",
                        "--config",
                        dir.resolve("bronze-gateway.yaml").toString()),
                null,
                small,
                bronzePort));
        roles.add(new RoleSpec(
                "gold-load",
                List.of(
                        "load",
                        "nbd://127.0.0.1:" + goldPort + "/gold",
                        "--pattern",
                        "randrw",
                        "--qd",
                        "8",
                        "--rate",
                        Integer.toString(GOLD_IOPS),
                        "--duration",
                        "10",
                        "--repeat",
                        "0"),
                null,
                small));
        roles.add(new RoleSpec(
                "bronze-load",
                List.of(
                        "load",
                        "nbd://127.0.0.1:" + bronzePort + "/bronze",
                        "--pattern",
                        "randread",
                        "--qd",
                        "32",
                        "--duration",
                        Integer.toString(FLOOD_SECONDS),
                        "--pause",
                        Integer.toString(FLOOD_SECONDS),
                        "--repeat",
                        "0"),
                null,
                small));
        roles.addAll(fleet.roles(monitorPort, secret(), pkiDir(), small));
        return roles;
    }

    public Path dir() {
        return dir;
    }

    /** The server's certificate authority: {@code <data-dir>/pki}, where the monitor looks for it. */
    public Path pkiDir() {
        return dir.resolve("data").resolve(CertificateAuthority.DIRECTORY);
    }

    public Path gatewayCertificate(String volume) {
        return dir.resolve(volume + "-gateway.crt");
    }

    public Path gatewayKey(String volume) {
        return dir.resolve(volume + "-gateway.key");
    }

    public Path secret() {
        return dir.resolve("deployment.secret");
    }

    public Path statsFile(String volume) {
        return dir.resolve(volume + "-gateway-stats.json");
    }

    public int webPort() {
        return webPort;
    }

    public int monitorPort() {
        return monitorPort;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
