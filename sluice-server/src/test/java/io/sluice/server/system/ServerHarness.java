package io.sluice.server.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.pki.CertificateAuthority;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.server.TestSupervision;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerConfig;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The SLA server under its real supervisor, with one gateway (its own JVM, also supervised) in front of a disk file and
 * linked to the monitor through a {@link CuttableProxy}. The supervisor steps on a thread of its own; tests read the
 * status it publishes after every step.
 */
final class ServerHarness implements AutoCloseable {
    static final int VOLUME_ID = 1;
    static final long SLA_IOPS_LIMIT = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final ServerSettings settings;
    final int gatewayPort;
    final CuttableProxy link;
    final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    private final Supervisor supervisor;
    private final Thread stepper;
    private volatile List<Supervisor.RoleStatus> status = List.of();
    private volatile boolean running = true;

    ServerHarness(Path dir, List<String> roles, long pollIntervalMillis) throws Exception {
        this.dir = dir;
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "fault-test-secret-0123456789".getBytes(StandardCharsets.UTF_8));
        if (!Files.exists(dir.resolve("disk.img"))) {
            try (RandomAccessFile disk =
                    new RandomAccessFile(dir.resolve("disk.img").toFile(), "rw")) {
                disk.setLength(64L << 20);
            }
        }
        int monitorPort = freePort();
        gatewayPort = freePort();
        link = new CuttableProxy(freePort(), new InetSocketAddress(InetAddress.getLoopbackAddress(), monitorPort));
        Files.writeString(dir.resolve("services.json"), """
                {"backends": [{"id": "disk", "nominalIops": 50000, "floorLatencyMicros": 100}],
                 "volumes": [{"volumeId": %d, "backendId": "disk", "groups": [], "allocatedBytes": 67108864}],
                 "slas": [{"name": "capped", "scope": {"kind": "VOLUME", "id": "%d"}, "iopsLimit": %d, "priority": "STANDARD"}]}
                """.formatted(VOLUME_ID, VOLUME_ID, SLA_IOPS_LIMIT));
        // As an operator would: `./sluice pki init`, then `./sluice pki issue` for the gateway, before the first start.
        Path pki = PrivateFiles.ensureDirectory(dir.resolve("data")).resolve(CertificateAuthority.DIRECTORY);
        CertificateAuthority ca = Files.exists(pki.resolve(CertificateAuthority.KEY_FILE))
                ? CertificateAuthority.load(pki, EpochClock.system())
                : CertificateAuthority.create(pki, "Sluice test CA", EpochClock.system());
        if (!Files.exists(dir.resolve("gateway-1.key"))) {
            ca.issueKeyMaterial(
                            GatewayCertificateName.of(1),
                            List.of(),
                            CertificateAuthority.Usage.CLIENT,
                            Duration.ofDays(30))
                    .write(dir.resolve("gateway-1.crt"), dir.resolve("gateway-1.key"));
        }
        Files.writeString(dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:%d
                stats-file: %s
                exports:
                  - name: disk
                    target: %s
                monitor:
                  address: 127.0.0.1:%d
                  gateway-id: 1
                  secret-file: %s
                  heartbeat-ms: 500
                  backoff-min-ms: 50
                  backoff-max-ms: 500
                  tls-ca: %s
                  tls-cert: %s
                  tls-key: %s
                """.formatted(
                        gatewayPort,
                        statsFile(),
                        dir.resolve("disk.img"),
                        link.port(),
                        secret,
                        pki.resolve(CertificateAuthority.CERTIFICATE_FILE),
                        dir.resolve("gateway-1.crt"),
                        dir.resolve("gateway-1.key")));
        settings = ServerSettings.resolve(
                ServerConfig.EMPTY,
                new ServerConfig(
                        "sluice-ft-" + ProcessHandle.current().pid(),
                        dir.resolve("data").toString(),
                        null,
                        null,
                        secret.toString(),
                        TestSupervision.HEARTBEAT_TIMEOUT_MILLIS,
                        roles,
                        null,
                        new ServerConfig.Monitor("127.0.0.1:" + monitorPort, pollIntervalMillis, List.of("1"), null, 1),
                        new ServerConfig.Services(dir.resolve("services.json").toString(), null, null),
                        null,
                        new ServerConfig.Web("127.0.0.1:" + freePort())));
        List<RoleSpec> specs = new ArrayList<>(RoleCatalog.roles(settings));
        specs.add(new RoleSpec(
                "gateway",
                List.of("gateway", "--config", dir.resolve("gateway.yaml").toString()),
                null,
                List.of("-Xmx256m"),
                gatewayPort));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        supervisor = new Supervisor(
                settings.runDir(),
                RoleCatalog.mailboxes(settings),
                specs,
                classpath,
                settings.heartbeatTimeoutMillis(),
                EpochClock.system(),
                log::add);
        supervisor.start();
        status = supervisor.status();
        stepper = Thread.ofPlatform().name("supervisor-step").start(this::step);
    }

    private void step() {
        while (running) {
            try {
                supervisor.doWork();
                status = supervisor.status();
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.add("supervisor step failed: " + e);
            }
        }
    }

    Path mailbox(String suffix) {
        return RoleCatalog.mailbox(settings, suffix);
    }

    Supervisor.RoleStatus role(String name) {
        return status.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    /** kill -9 of the role's process; returns its pid. */
    long kill(String name) {
        long pid = role(name).pid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        return pid;
    }

    /** Waits until the role runs again under a new pid; returns the milliseconds that took. */
    long awaitRestarted(String name, long oldPid, long timeoutMillis) throws InterruptedException {
        long start = System.nanoTime();
        Await.until(timeoutMillis, () -> role(name).alive() && role(name).pid() != oldPid);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * Waits until the role serves again: attached to its mailbox with a fresh callee heartbeat, or for the web role
     * (which has no mailbox of its own) answering HTTP.
     */
    void awaitServing(String name, long timeoutMillis) throws InterruptedException {
        if (name.equals("web")) {
            Await.until(timeoutMillis, this::webAnswers);
        } else {
            Await.until(
                    timeoutMillis,
                    () -> role(name).heartbeatAgeMs() >= 0 && role(name).heartbeatAgeMs() < 2_000);
        }
    }

    private boolean webAnswers() {
        try {
            var connection = (HttpURLConnection) URI.create("http://" + settings.webListen() + "/api/openapi.json")
                    .toURL()
                    .openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2_000);
            return connection.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    Path statsFile() {
        return dir.resolve("gateway-stats.json");
    }

    /** The gateway's statistics file, or an empty node while it is being (re)started. */
    JsonNode gatewayStats() {
        try {
            return JSON.readTree(statsFile().toFile());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    long gatewayOps() {
        JsonNode v = gatewayStats().path("volumes").path(0);
        return v.path("read").path("ops").asLong() + v.path("write").path("ops").asLong();
    }

    long qosVersion() {
        return gatewayStats().path("volumes").path(0).path("qos-version").asLong();
    }

    String linkState() {
        return gatewayStats().path("monitor-link").path("state").asText();
    }

    long linkSessions() {
        return gatewayStats().path("monitor-link").path("sessions").asLong();
    }

    String nbdUri() {
        return "nbd://127.0.0.1:" + gatewayPort + "/disk";
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        stepper.interrupt();
        stepper.join();
        supervisor.close();
        link.close();
        RoleCatalog.removeMailboxes(settings);
    }
}
