package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimTls;
import io.sluice.sim.Simulator;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The daemon with TLS on the gateway link: real sockets, real certificates from a real authority. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MonitorDaemonTlsTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path monitorBox;
    private Path servicesBox;
    private CertificateAuthority ca;
    private MonitorDaemon daemon;
    private MailboxService services;
    private final Queue<Long> statsFrom = new ConcurrentLinkedQueue<>();
    /** The monitor's clock: the system's, moved ahead when a test needs a certificate's expiry to have passed. */
    private final AheadClock clock = new AheadClock();

    private static final class AheadClock implements EpochClock {
        volatile long aheadMillis;

        @Override
        public long epochMillis() {
            return System.currentTimeMillis() + aheadMillis;
        }
    }

    @BeforeEach
    void start() throws Exception {
        monitorBox = ShmNames.file("monitor-tls");
        servicesBox = ShmNames.file("services-tls");
        ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(Set.of(1L, 2L))
                // The simulated gateways serve vol-1 and vol-2, flagged shared.
                .withSharedVolumes(Map.of("vol-1", Set.of(1L, 2L), "vol-2", Set.of(1L, 2L)))
                .withPolling(50, 2)
                .withPairs(2, 10)
                .withClock(clock)
                .withTls(TestMonitorTls.from(ca, null));
        daemon = new MonitorDaemon(context);
        services = new MailboxService(
                        MailboxCallee.attach(Mailbox.open(servicesBox)),
                        request -> {
                            ServicesReports.forEach(request, stats -> statsFrom.add(stats.gatewayId()));
                            request.reply(MailboxStatus.OK, 0);
                        },
                        0,
                        "test-services")
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
        services.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void aGatewayWithItsCertificateIsServedOverTls() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1, contextFor(certificate(1)))) {
            gw.helloVolumes = 200;
            assertThat(gw.handshake(SECRET)).as(TestGateway.describe(daemon)).isEqualTo(AuthOutcome.ACCEPTED);
            for (int i = 0; i < 3; i++) {
                gw.expect(FrameType.POLL);
                gw.answer();
            }
            Await.until(20_000, () -> statsFrom.size() >= 3);
            assertThat(statsFrom).containsOnly(1L);
        }
    }

    @Test
    void aSessionEndsWhenTheCertificateItWasAuthenticatedWithExpires() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1, contextFor(certificate(1)))) {
            assertThat(gw.handshake(SECRET)).as(TestGateway.describe(daemon)).isEqualTo(AuthOutcome.ACCEPTED);
            Await.until(20_000, () -> daemon.sessionsInSession() == 1);
            clock.aheadMillis = Duration.ofDays(1).plusMinutes(1).toMillis();
            Await.until(20_000, () -> daemon.sessionsInSession() == 0);
            assertThat(gw.closedByMonitor()).isTrue();
        }
        // The reason is recorded once the session is gone from the counts, so it is waited for too.
        Await.until(20_000, () -> daemon.closedFor("certificate expired"));
        assertThat(daemon.counters().certificatesExpiredInSession()).isEqualTo(1);
    }

    @Test
    void aHelloClaimingAnotherGatewayThanTheCertificateIsRefused() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1, contextFor(certificate(2)))) {
            assertThat(gw.closedAfterHandshake()).isTrue();
        }
        Await.until(20_000, () -> daemon.closedFor("certified for gateway 2"));
        assertThat(daemon.sessionsInSession()).isZero();
    }

    @Test
    void aPlaintextGatewayIsRefused() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            assertThat(gw.closedAfterHandshake()).isTrue();
        }
        Await.until(20_000, () -> daemon.closedFor("NOT_TLS"));
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefused() throws Exception {
        CertificateAuthority other =
                CertificateAuthority.create(dir.resolve("other"), "Impostor CA", EpochClock.system());
        KeyMaterial forged = other.issueKeyMaterial(
                GatewayCertificateName.of(1), List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
        try (TestGateway gw = new TestGateway(daemon.address(), 1, contextFor(forged))) {
            assertThat(gw.closedAfterHandshake()).isTrue();
        }
        Await.until(20_000, () -> daemon.closedFor("HANDSHAKE_REFUSED"));
    }

    @Test
    void revokingTheCertificateClosesTheLiveSessionAndRefusesTheNextHandshake() throws Exception {
        KeyMaterial own = certificate(1);
        try (TestGateway gw = new TestGateway(daemon.address(), 1, contextFor(own))) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            Await.until(20_000, () -> daemon.sessionsInSession() == 1);
            ca.revoke(own.certificate().getSerialNumber());
            // A healthy gateway, answering every poll, until the monitor ends the session.
            assertThatThrownBy(() -> {
                        while (true) {
                            gw.expect(FrameType.POLL);
                            gw.answer();
                        }
                    })
                    .isInstanceOf(IOException.class);
            Await.until(20_000, () -> daemon.closedFor("certificate revoked"));
            assertThat(daemon.sessionsInSession()).isZero();
        }
        try (TestGateway again = new TestGateway(daemon.address(), 1, contextFor(own))) {
            assertThat(again.closedAfterHandshake()).isTrue();
        }
        Await.until(
                20_000,
                () -> daemon.recentCloseReasons().stream()
                                .filter(r -> r.contains("revoked"))
                                .count()
                        >= 2);
    }

    @Test
    void simulatedGatewaysGetCertificatesFromTheServersAuthorityAndAreServed() throws Exception {
        var simContext = SimContext.builder(daemon.address(), SECRET)
                .gateways(2)
                .volumesPerGateway(2)
                .firstGatewayId(1)
                .seed(3)
                .tls(SimTls.load(dir.resolve("pki")))
                .build();
        try (Simulator sim = Simulator.start(simContext)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (daemon.sessionsInSession() < 2 || !statsFrom.contains(1L) || !statsFrom.contains(2L)) {
                assertThat(System.nanoTime())
                        .as(() -> TestGateway.describe(daemon) + "; "
                                + sim.snapshot().summaryLine())
                        .isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThat(sim.snapshot().total().pollsAnswered()).isPositive();
        }
        assertThat(ca.index().entries()).extracting(entry -> entry.commonName()).contains("gateway-1", "gateway-2");
    }

    private KeyMaterial certificate(long gatewayId) throws Exception {
        return ca.issueKeyMaterial(
                GatewayCertificateName.of(gatewayId), List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
    }

    private SSLContext contextFor(KeyMaterial own) {
        return TlsContexts.create(own, List.of(ca.certificate()));
    }
}
