package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.pki.CertificateAuthority;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchReader;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway side of a server pair, all real processes on loopback over TLS: a {@code sluice gateway} configured with
 * the list [standby, active] goes to the standby first, is sent on to the active and reports to it; the active's
 * throttle set is applied. When the active dies, the third server, which still believes itself active at an older
 * fencing epoch (a server that lost its lease), gets no session, and its throttle set never changes the gateway's
 * parameters.
 */
@Tag("system")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MonitorPairSystemTest {
    private static final byte[] SECRET = "monitor-pair-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 1;
    private static final Pattern LISTENING = Pattern.compile("monitor listening on \\S*:(\\d+)");
    private static final Pattern REFERRED = Pattern.compile("standby \\([1-9]\\d* sent to the active\\)");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long the pair gets for each step: processes start, elect and reconnect on a loaded machine. */
    private static final long WAIT_MILLIS = 120_000;

    @TempDir
    Path dir;

    private final String name = "pair-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        for (AutoCloseable closeable : closeables.reversed()) {
            closeable.close();
        }
        for (String server : List.of("active", "standby", "stale")) {
            Path mailboxes = ServerMailboxes.directory(Path.of("/dev/shm"), name + "-" + server);
            if (Files.exists(mailboxes)) {
                try (Stream<Path> files = Files.walk(mailboxes)) {
                    for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
    }

    @Test
    void theGatewayFollowsTheStandbyToTheActiveAndRefusesAServerOfAnOlderEpoch() throws Exception {
        Path secret = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        Path pki = dir.resolve("pki");
        // The active first: it makes the server's authority and its certificate, which the others then load.
        int active = startMonitor("active", "--epoch", "6");
        int standby = startMonitor("standby", "--standby-of", "127.0.0.1:" + active);
        int stale = startMonitor("stale", "--epoch", "5");
        CertificateAuthority ca = CertificateAuthority.load(pki, EpochClock.system());
        ca.issueKeyMaterial(
                        GatewayCertificateName.of(GATEWAY_ID),
                        List.of(),
                        CertificateAuthority.Usage.CLIENT,
                        Duration.ofDays(1))
                .write(dir.resolve("gateway.crt"), dir.resolve("gateway.key"));

        AtomicLong reports = new AtomicLong();
        Path activeBoxes = ServerMailboxes.directory(Path.of("/dev/shm"), name + "-active");
        MailboxService services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(activeBoxes.resolve(ServerMailboxes.SERVICES_SUFFIX))),
                        request -> {
                            if (request.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH) {
                                ByteBuffer batch = request.params()
                                        .asSlice(0, request.length())
                                        .asByteBuffer();
                                ReportBatchReader reader = new ReportBatchReader();
                                int entries = reader.wrap(batch, request.length()) == null ? reader.entryCount() : 0;
                                for (int i = 0; i < entries; i++) {
                                    if (new StatsReader()
                                                    .wrap(batch, reader.entryOffset(i))
                                                    .gatewayId()
                                            == GATEWAY_ID) {
                                        reports.incrementAndGet();
                                    }
                                }
                            }
                            request.reply(MailboxStatus.OK, 0);
                        },
                        0,
                        "test-services")
                .start();
        closeables.add(services);
        MailboxClient activeMonitor =
                MailboxClient.attach(Mailbox.open(activeBoxes.resolve(ServerMailboxes.MONITOR_SUFFIX)), 0);
        closeables.add(activeMonitor);

        Path image = dir.resolve("vol.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1 << 20);
        }
        Path stats = dir.resolve("gateway-stats.json");
        Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:0
                stats-file: %s
                exports:
                  - name: vol
                    target: %s
                monitor:
                  address: [127.0.0.1:%d, 127.0.0.1:%d, 127.0.0.1:%d]
                  gateway-id: %d
                  secret-file: %s
                  heartbeat-ms: 2000
                  backoff-min-ms: 50
                  backoff-max-ms: 500
                  tls-ca: %s
                  tls-cert: %s
                  tls-key: %s
                """.formatted(
                        stats,
                        image,
                        standby,
                        active,
                        stale,
                        GATEWAY_ID,
                        secret,
                        pki.resolve(CertificateAuthority.CERTIFICATE_FILE),
                        dir.resolve("gateway.crt"),
                        dir.resolve("gateway.key")));
        Path gatewayLog = dir.resolve("gateway.log");
        start(gatewayLog, "gateway", "--config", config.toString());

        // Standby first, sent on to the active: in session there, reporting.
        Await.until(
                WAIT_MILLIS,
                () -> "IN_SESSION".equals(link(stats).path("state").asText()),
                () -> GatewayStatsFile.read(stats) + GatewayStatsFile.read(gatewayLog));
        JsonNode link = link(stats);
        assertThat(link.path("monitor").asText()).isEqualTo("127.0.0.1:" + active);
        assertThat(link.path("standby-referrals").asLong()).isPositive();
        assertThat(link.path("epoch").asLong()).isEqualTo(6);
        Await.until(WAIT_MILLIS, () -> reports.get() >= 2, () -> "reports " + reports.get());
        Await.until(
                WAIT_MILLIS,
                () -> REFERRED.matcher(GatewayStatsFile.read(dir.resolve("standby.log")))
                        .find(),
                () -> GatewayStatsFile.read(dir.resolve("standby.log")));

        // The active's throttle set is applied.
        Reply applied = activeMonitor
                .call(
                        MailboxOpcodes.MONITOR_THROTTLE_SET,
                        0,
                        activeMonitor.nextCorrelationId(),
                        throttleFrame(1_500, 5))
                .get(60, TimeUnit.SECONDS);
        assertThat(applied.status()).isEqualTo(MailboxOpcodes.THROTTLE_ACKED);
        assertThat(new ThrottleAckReader()
                        .wrap(ByteBuffer.wrap(applied.result()), 0)
                        .status(0))
                .isEqualTo(ThrottleAckStatus.APPLIED);
        Await.until(WAIT_MILLIS, () -> GatewayStatsFile.qosVersion(stats) == 5, () -> GatewayStatsFile.read(stats));

        long sessions = link(stats).path("sessions").asLong();
        // The active dies. The stale server (it lost the lease at epoch 5 and does not know) is tried: no session, and
        // the set it holds for the gateway never reaches it.
        processes.getFirst().destroyForcibly();
        assertThat(processes.getFirst().waitFor(30, TimeUnit.SECONDS)).isTrue();
        MailboxClient staleMonitor = MailboxClient.attach(
                Mailbox.open(ServerMailboxes.directory(Path.of("/dev/shm"), name + "-stale")
                        .resolve(ServerMailboxes.MONITOR_SUFFIX)),
                0);
        closeables.add(staleMonitor);
        Reply stored = staleMonitor
                .call(MailboxOpcodes.MONITOR_THROTTLE_SET, 0, staleMonitor.nextCorrelationId(), throttleFrame(100, 9))
                .get(60, TimeUnit.SECONDS);
        assertThat(stored.status())
                .as("kept for when the gateway is in session, which it never is")
                .isEqualTo(MailboxOpcodes.THROTTLE_STORED);
        Await.until(
                WAIT_MILLIS,
                () -> link(stats).path("stale-epoch-refusals").asLong() >= 2,
                () -> GatewayStatsFile.read(stats) + GatewayStatsFile.read(gatewayLog));
        JsonNode after = link(stats);
        assertThat(after.path("sessions").asLong())
                .as("no session with the stale server")
                .isEqualTo(sessions);
        assertThat(after.path("epoch").asLong()).isEqualTo(6);
        assertThat(after.path("state").asText()).isNotEqualTo("IN_SESSION");
        assertThat(GatewayStatsFile.qosVersion(stats))
                .as("the parameters in force stay (fail-static)")
                .isEqualTo(5);
        assertThat(GatewayStatsFile.read(gatewayLog)).contains("is at epoch 5, older than epoch 6 seen");
    }

    /** Starts {@code sluice monitor} with its own mailboxes and the shared authority; its port, once it listens. */
    private int startMonitor(String server, String... role) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "monitor",
                "--listen",
                "127.0.0.1:0",
                "--secret-file",
                dir.resolve("secret").toString(),
                "--mailbox-dir",
                "/dev/shm",
                "--mailbox-name",
                name + "-" + server,
                "--approve",
                Long.toString(GATEWAY_ID),
                "--pki-dir",
                dir.resolve("pki").toString(),
                "--poll-interval",
                "200",
                "--status-every",
                "200",
                "--pairs",
                "1"));
        args.addAll(List.of(role));
        Path log = dir.resolve(server + ".log");
        start(log, args.toArray(String[]::new));
        Matcher[] listening = new Matcher[1];
        Await.until(
                WAIT_MILLIS,
                () -> (listening[0] = LISTENING.matcher(GatewayStatsFile.read(log))).find(),
                () -> GatewayStatsFile.read(log));
        return Integer.parseInt(listening[0].group(1));
    }

    private void start(Path log, String... args) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                javaBin,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                classpath,
                "io.sluice.server.SluiceMain"));
        command.addAll(List.of(args));
        processes.add(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start());
    }

    private static byte[] throttleFrame(long iops, long version) {
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(1));
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(frame, 1, GATEWAY_ID, 0, 1);
        writer.volume(0).volumeId(1).version(version).iopsLimit(iops).weight(100);
        writer.commit();
        return frame.array();
    }

    private static JsonNode link(Path stats) {
        try {
            return JSON.readTree(stats.toFile()).path("monitor-link");
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }
}
