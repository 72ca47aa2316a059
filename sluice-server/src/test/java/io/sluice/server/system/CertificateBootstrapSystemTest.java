package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayContext;
import io.sluice.gateway.link.LinkIdentity;
import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.monitor.GatewayCertificates;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.monitor.MonitorTls;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.Certificates;
import io.sluice.pki.PemFiles;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchReader;
import io.sluice.testkit.Await;
import io.sluice.testkit.SluiceJvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gateway (file-backed export, configured as an operator would: CA file, state directory, token file) and a real
 * monitor daemon over loopback: the gateway enrolls for its certificate with its token, opens a mutually authenticated
 * session with it and reports; it renews in session when its clock says so and connects with the new certificate next
 * time; a revoked certificate ends its sessions.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("system")
class CertificateBootstrapSystemTest {
    private static final byte[] SECRET = "bootstrap-system-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 7;

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private MonitorDaemon monitor;
    private MailboxService services;
    private Path monitorBox;
    private Path servicesBox;
    private Path image;
    private final AtomicLong reports = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
        MonitorTls tls = new MonitorTls(
                TlsContexts.create(
                        ca.issueKeyMaterial(
                                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1)),
                        List.of(ca.certificate()),
                        ca.revocations()),
                ca.revocations(),
                new GatewayCertificates(ca, Duration.ofDays(30)));
        String name = "sluice-bootstrap-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        monitorBox = Path.of("/dev/shm", name + "-monitor");
        servicesBox = Path.of("/dev/shm", name + "-services");
        monitor = new MonitorDaemon(
                MonitorContext.defaults(new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                        .withTokens(Set.of("bootstrap-token-7"))
                        .withRegistryFile(dir.resolve("gateways.registry"))
                        .withPolling(200, 3)
                        .withPairs(1, 4)
                        .withTls(tls));
        services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> {
                            // The monitor posts its reports in batches (SERVICES_STATS_BATCH), each entry a STATS
                            // frame.
                            if (request.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH) {
                                ByteBuffer batch = request.params()
                                        .asSlice(0, request.length())
                                        .asByteBuffer();
                                ReportBatchReader reader = new ReportBatchReader();
                                if (reader.wrap(batch, request.length()) == null) {
                                    for (int i = 0; i < reader.entryCount(); i++) {
                                        if (reader.check(i) == null
                                                && batch.getLong(reader.entryOffset(i)
                                                                + FrameDescriptor.GATEWAY_ID_OFFSET)
                                                        == GATEWAY_ID) {
                                            reports.incrementAndGet();
                                        }
                                    }
                                }
                            }
                            request.reply(MailboxStatus.OK, 0);
                        },
                        0,
                        "test-services")
                .start();
        image = dir.resolve("vol.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1 << 20);
        }
    }

    @AfterEach
    void stop() throws Exception {
        monitor.close();
        services.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void aGatewayEnrollsWithItsTokenReportsOverMutualTlsAndKeepsItsCertificateAcrossRestarts() throws Exception {
        Path state = dir.resolve("gateway-state");
        GatewayContext context = GatewayContext.parse(
                "127.0.0.1:0",
                "vol=" + image,
                "--monitor=" + monitor.address().getHostString() + ":"
                        + monitor.address().getPort(),
                "--gateway-id=" + GATEWAY_ID,
                "--secret-file=" + secret(),
                "--enrollment-token-file=" + privateFile("token", "bootstrap-token-7"),
                "--monitor-tls-ca=" + dir.resolve("pki").resolve(CertificateAuthority.CERTIFICATE_FILE),
                "--monitor-state-dir=" + state);
        try (Gateway gateway = Gateway.start(context);
                MonitorLink link = MonitorLink.start(context.monitor().withTimings(1_000, 50, 1_000), gateway)) {
            Await.until(
                    "condition",
                    40_000,
                    () -> link.state() == LinkState.IN_SESSION,
                    () -> String.valueOf(link.status().lastError()));
            Await.until("condition", 40_000, () -> reports.get() >= 2, () -> "reports " + reports.get());
            assertThat(link.status().sessions()).isEqualTo(1);
        }
        assertThat(mode(state)).isEqualTo("rwx------");
        assertThat(mode(state.resolve(LinkIdentity.KEY_FILE))).isEqualTo("rw-------");
        assertThat(mode(state.resolve(LinkIdentity.CERTIFICATE_FILE))).isEqualTo("rw-------");
        X509Certificate issued = PemFiles.readCertificates(state.resolve(LinkIdentity.CERTIFICATE_FILE))
                .getFirst();
        assertThat(Certificates.commonName(issued)).isEqualTo("gateway-7");
        assertThat(monitor.counters().certificatesIssued()).isEqualTo(1);

        // The token is used up; the certificate on disk is all the restarted gateway needs.
        long before = reports.get();
        GatewayContext again = GatewayContext.parse(
                "127.0.0.1:0",
                "vol=" + image,
                "--monitor=127.0.0.1:" + monitor.address().getPort(),
                "--gateway-id=" + GATEWAY_ID,
                "--secret-file=" + secret(),
                "--monitor-tls-ca=" + dir.resolve("pki").resolve(CertificateAuthority.CERTIFICATE_FILE),
                "--monitor-state-dir=" + state);
        try (Gateway gateway = Gateway.start(again);
                MonitorLink link = MonitorLink.start(again.monitor().withTimings(1_000, 50, 1_000), gateway)) {
            Await.until(
                    "condition",
                    40_000,
                    () -> link.state() == LinkState.IN_SESSION,
                    () -> String.valueOf(link.status().lastError()));
            Await.until("condition", 40_000, () -> reports.get() >= before + 2, () -> "reports " + reports.get());
        }
        assertThat(monitor.counters().certificatesIssued()).isEqualTo(1);
    }

    @Test
    void aGatewayProcessConfiguredWithATokenEnrollsAndReports() throws Exception {
        Path state = dir.resolve("gateway-state");
        Path statsFile = dir.resolve("gateway-stats.json");
        Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                listen: 127.0.0.1:0
                stats-file: %s
                exports:
                  - name: vol
                    target: %s
                monitor:
                  address: 127.0.0.1:%d
                  gateway-id: %d
                  secret-file: %s
                  tls-ca: %s
                  state-dir: %s
                  backoff-min-ms: 50
                  backoff-max-ms: 1000
                """.formatted(
                        statsFile,
                        image,
                        monitor.address().getPort(),
                        GATEWAY_ID,
                        secret(),
                        dir.resolve("pki").resolve(CertificateAuthority.CERTIFICATE_FILE),
                        state));
        Path log = dir.resolve("gateway.log");
        Process gateway = SluiceJvm.startGateway(
                SluiceJvm.classPath(),
                config,
                log,
                "--enrollment-token-file=" + privateFile("token", "bootstrap-token-7"));
        try {
            Await.until(
                    "condition",
                    40_000,
                    () -> reports.get() >= 2,
                    () -> "reports " + reports.get() + "; gateway log: " + read(log));
            // The stats file is rewritten once a second.
            Await.until("condition", 40_000, () -> read(statsFile).contains("\"IN_SESSION\""), () -> read(statsFile));
            assertThat(read(log)).contains("enrolled, certificate");
            assertThat(Certificates.commonName(PemFiles.readCertificates(state.resolve(LinkIdentity.CERTIFICATE_FILE))
                            .getFirst()))
                    .isEqualTo("gateway-7");
            assertThat(mode(state.resolve(LinkIdentity.KEY_FILE))).isEqualTo("rw-------");
            assertThat(monitor.counters().certificatesIssued()).isEqualTo(1);
        } finally {
            gateway.destroy();
            assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void aGatewayRenewsTwoThirdsIntoItsCertificateAndUsesTheNewOneNextTime() throws Exception {
        Path state = dir.resolve("gateway-state");
        AtomicLong skew = new AtomicLong();
        EpochClock clock = () -> System.currentTimeMillis() + skew.get();
        List<X509Certificate> trusted = List.of(ca.certificate());
        MonitorLinkConfig config = MonitorLinkConfig.of(
                        monitor.address(), GATEWAY_ID, GatewayKeys.derive(SECRET, GATEWAY_ID))
                .withEnrollmentToken("bootstrap-token-7")
                .withTimings(200, 50, 1_000);
        X509Certificate first;
        try (Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "vol=" + image))) {
            LinkIdentity identity = LinkIdentity.enrolled(state, trusted, GATEWAY_ID, clock);
            try (MonitorLink link = MonitorLink.start(config.withTls(identity), gateway)) {
                Await.until(
                        "condition",
                        40_000,
                        () -> link.state() == LinkState.IN_SESSION,
                        () -> String.valueOf(link.status().lastError()));
                first = PemFiles.readCertificates(state.resolve(LinkIdentity.CERTIFICATE_FILE))
                        .getFirst();
                assertThat(monitor.counters().certificatesIssued()).isEqualTo(1);
                // 21 days on the gateway's clock: past two thirds of 30 days. Its next turn in session asks for a new
                // one.
                skew.set(Duration.ofDays(21).toMillis());
                Await.until(
                        "condition",
                        40_000,
                        () -> monitor.counters().certificatesIssued() == 2,
                        () -> String.valueOf(link.status().lastError()));
                Await.until(
                        "condition",
                        40_000,
                        () -> !serialOnDisk(state).equals(first.getSerialNumber()),
                        () -> String.valueOf(link.status().lastError()));
                assertThat(link.status().sessions())
                        .as("the session goes on with its old certificate")
                        .isEqualTo(1);
            }
            X509Certificate renewed = PemFiles.readCertificates(state.resolve(LinkIdentity.CERTIFICATE_FILE))
                    .getFirst();
            assertThat(Certificates.commonName(renewed)).isEqualTo("gateway-7");
            assertThat(renewed.getPublicKey()).isEqualTo(first.getPublicKey());
            assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
            assertThat(renewed.getNotAfter()).isAfterOrEqualTo(first.getNotAfter());

            // Withdraw the old certificate: the next connection can only succeed with the new one.
            ca.revoke(first.getSerialNumber());
            skew.set(0);
            long before = reports.get();
            try (MonitorLink link = MonitorLink.start(
                    config.withTls(LinkIdentity.enrolled(state, trusted, GATEWAY_ID, clock)), gateway)) {
                Await.until(
                        "condition",
                        40_000,
                        () -> link.state() == LinkState.IN_SESSION,
                        () -> String.valueOf(link.status().lastError()));
                Await.until("condition", 40_000, () -> reports.get() >= before + 2, () -> "reports " + reports.get());

                // Revoke the one in use: the session ends, and no new one opens with it.
                ca.revoke(renewed.getSerialNumber());
                Await.until(
                        "condition",
                        40_000,
                        () -> link.state() != LinkState.IN_SESSION
                                && link.status().connectFailures() >= 2,
                        () -> link.state() + " " + link.status().lastError());
                assertThat(link.status().sessions()).isEqualTo(1);
            }
            assertThat(monitor.counters().certificatesIssued()).isEqualTo(2);
        }
    }

    private static BigInteger serialOnDisk(Path state) {
        try {
            return PemFiles.readCertificates(state.resolve(LinkIdentity.CERTIFICATE_FILE))
                    .getFirst()
                    .getSerialNumber();
        } catch (IOException e) {
            return BigInteger.ZERO;
        }
    }

    private Path secret() throws Exception {
        return privateFile("secret", new String(SECRET, StandardCharsets.UTF_8));
    }

    private Path privateFile(String name, String contents) throws Exception {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, contents);
        }
        return file;
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }
}
