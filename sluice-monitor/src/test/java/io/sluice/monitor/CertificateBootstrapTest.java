package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.CertificateRequest;
import io.sluice.pki.Certificates;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.Keys;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.ChallengeReader;
import io.sluice.protocol.EnrollDescriptor;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.HelloWriter;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
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

/**
 * Certificate bootstrap on the monitor (ENROLL, RENEW, CERTIFICATE): real sockets, real TLS, the server's real
 * authority; the gateway is driven frame by frame so that every refusal can be provoked.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CertificateBootstrapTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TOKEN = "enroll-token-1".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path monitorBox;
    private Path servicesBox;
    private CertificateAuthority ca;
    private MonitorDaemon daemon;
    private MailboxService services;
    private final Queue<Long> statsFrom = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        monitorBox = ShmNames.file("monitor-enroll");
        servicesBox = ShmNames.file("services-enroll");
        ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withTokens(Set.of(new String(TOKEN, StandardCharsets.UTF_8), "enroll-token-2"))
                .withRegistryFile(dir.resolve("gateways.registry"))
                // Polls every 250 ms, a session closed after 12 unanswered: a certificate's forced write on a loaded
                // machine must not end the session this test renews in.
                .withPolling(250, 4)
                .withPairs(2, 10)
                .withTls(TestMonitorTls.from(ca, Duration.ofDays(30)));
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
    void aGatewayWithATokenGetsACertificateAndOpensASessionWithIt() throws Exception {
        KeyPair keys = Keys.generate();
        X509Certificate issued;
        try (TestGateway gw = enrolling(7)) {
            TestGateway.CertificateAnswer answer =
                    gw.enroll(key(7), TOKEN, CertificateRequest.create(keys, "gateway-7"));
            assertThat(answer.frame()).as(TestGateway.describe(daemon)).isEqualTo(FrameType.CERTIFICATE);
            assertThat(answer.reason()).isEqualTo(AuthReason.NONE);
            issued = certificate(answer.certificate());
            assertThat(gw.closedByMonitor())
                    .as("an enrollment connection ends with its certificate")
                    .isTrue();
        }
        assertThat(Certificates.commonName(issued)).isEqualTo("gateway-7");
        issued.verify(ca.certificate().getPublicKey());
        assertThat(issued.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(Duration.between(
                        issued.getNotBefore().toInstant(), issued.getNotAfter().toInstant()))
                .isBetween(Duration.ofDays(30), Duration.ofDays(30).plusMinutes(6));
        assertThat(issued.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(ca.index().entries()).extracting(e -> e.commonName()).contains("gateway-7");
        assertThat(daemon.registry().standing(7)).isEqualTo(GatewayRegistry.Standing.APPROVED);
        assertThat(daemon.counters().certificatesIssued()).isEqualTo(1);
        try (Mailbox box = Mailbox.open(monitorBox);
                MailboxClient monitorClient = MailboxClient.attachTool(box)) {
            byte[] status = monitorClient
                    .call(MailboxOpcodes.MONITOR_STATUS, new byte[0])
                    .get(20, TimeUnit.SECONDS)
                    .result();
            assertThat(ByteBuffer.wrap(status).getLong(MonitorStatusDescriptor.CERTIFICATES_ISSUED_OFFSET))
                    .as("in the monitor's status, as sluice status and /metrics show it")
                    .isEqualTo(1);
        }

        try (TestGateway gw = new TestGateway(daemon.address(), 7, mutual(keys, issued))) {
            assertThat(gw.handshake(SECRET)).as(TestGateway.describe(daemon)).isEqualTo(AuthOutcome.ACCEPTED);
            gw.expect(FrameType.POLL);
            gw.answer();
            Await.until(20_000, () -> statsFrom.contains(7L));
        }
    }

    @Test
    void aTokenEnrollsOneGatewayOnlyAndAWrongTokenNone() throws Exception {
        try (TestGateway gw = enrolling(7)) {
            assertThat(gw.enroll(key(7), TOKEN, request("gateway-7")).reason()).isEqualTo(AuthReason.NONE);
        }
        try (TestGateway gw = enrolling(8)) {
            TestGateway.CertificateAnswer answer = gw.enroll(key(8), TOKEN, request("gateway-8"));
            assertThat(answer.frame()).isEqualTo(FrameType.AUTH_RESULT);
            assertThat(answer.reason()).isEqualTo(AuthReason.BAD_TOKEN);
            assertThat(gw.closedByMonitor()).isTrue();
        }
        try (TestGateway gw = enrolling(8)) {
            TestGateway.CertificateAnswer answer =
                    gw.enroll(key(8), "not-a-token".getBytes(StandardCharsets.UTF_8), request("gateway-8"));
            assertThat(answer.frame()).isEqualTo(FrameType.AUTH_RESULT);
            assertThat(answer.reason()).isEqualTo(AuthReason.BAD_TOKEN);
        }
        assertThat(daemon.counters().certificatesIssued()).isEqualTo(1);
        assertThat(ca.index().entries()).extracting(e -> e.commonName()).doesNotContain("gateway-8");
    }

    @Test
    void theCertificateNamesTheGatewayOfTheHelloWhateverTheRequestAsks() throws Exception {
        try (TestGateway gw = enrolling(9)) {
            TestGateway.CertificateAnswer answer = gw.enroll(key(9), TOKEN, request("gateway-1"));
            assertThat(Certificates.commonName(certificate(answer.certificate())))
                    .isEqualTo("gateway-9");
        }
    }

    @Test
    void aWrongAnswerIsRefusedAndKeepsTheToken() throws Exception {
        try (TestGateway gw = enrolling(7)) {
            TestGateway.CertificateAnswer answer = gw.enroll(
                    GatewayKeys.derive("another-secret-0123456789".getBytes(StandardCharsets.UTF_8), 7),
                    TOKEN,
                    request("gateway-7"));
            assertThat(answer.frame()).isEqualTo(FrameType.AUTH_RESULT);
            assertThat(answer.reason()).isEqualTo(AuthReason.WRONG_ANSWER);
        }
        try (TestGateway gw = enrolling(7)) {
            assertThat(gw.enroll(key(7), TOKEN, request("gateway-7")).reason()).isEqualTo(AuthReason.NONE);
        }
    }

    @Test
    void aRequestThatDoesNotParseIsRefusedTypedAndKeepsTheToken() throws Exception {
        try (TestGateway gw = enrolling(7)) {
            TestGateway.CertificateAnswer answer =
                    gw.enroll(key(7), TOKEN, "not a certificate request".getBytes(StandardCharsets.UTF_8));
            assertThat(answer.frame()).isEqualTo(FrameType.CERTIFICATE);
            assertThat(answer.reason()).isEqualTo(AuthReason.BAD_CERTIFICATE_REQUEST);
            assertThat(answer.certificate()).isEmpty();
            assertThat(gw.closedByMonitor()).isTrue();
        }
        assertThat(daemon.counters().certificatesRefused()).isEqualTo(1);
        try (TestGateway gw = enrolling(7)) {
            assertThat(gw.enroll(key(7), TOKEN, request("gateway-7")).reason()).isEqualTo(AuthReason.NONE);
        }
    }

    @Test
    void anOversizedRequestIsRefusedAsABadFrameBeforeItIsBuffered() throws Exception {
        try (TestGateway gw = enrolling(7)) {
            gw.out.clear();
            new HelloWriter().write(gw.out, gw.sequence++, 7, 0, 1, "gw-7");
            gw.out.flip();
            gw.link.write(gw.out);
            gw.expect(FrameType.CHALLENGE);
            byte[] nonce = new ChallengeReader().wrap(gw.decoder).nonce();
            int requestLength = 4000;
            ByteBuffer frame = ByteBuffer.allocate(EnrollDescriptor.frameLength(TOKEN.length, requestLength));
            frame.putInt(FrameDescriptor.LENGTH_OFFSET, frame.capacity())
                    .put(FrameDescriptor.VERSION_OFFSET, (byte) FrameDescriptor.PROTOCOL_VERSION)
                    .put(FrameDescriptor.TYPE_OFFSET, (byte) FrameType.ENROLL.code())
                    .putLong(FrameDescriptor.SEQUENCE_OFFSET, gw.sequence++)
                    .putLong(FrameDescriptor.GATEWAY_ID_OFFSET, 7)
                    .put(EnrollDescriptor.ANSWER_OFFSET, Authenticator.answer(key(7), 7, nonce))
                    .putShort(EnrollDescriptor.TOKEN_LENGTH_OFFSET, (short) TOKEN.length)
                    .putShort(EnrollDescriptor.REQUEST_LENGTH_OFFSET, (short) requestLength)
                    .put(EnrollDescriptor.TOKEN_OFFSET, TOKEN);
            try {
                gw.sendRaw(frame.array());
            } catch (IOException e) {
                // closed while the rest was on its way: that is the refusal
            }
            assertThat(gw.closedByMonitor()).isTrue();
        }
        Await.until(20_000, () -> daemon.closedFor("OVERSIZE"));
        assertThat(daemon.counters().certificatesIssued()).isZero();
        try (TestGateway gw = enrolling(7)) {
            assertThat(gw.enroll(key(7), TOKEN, request("gateway-7")).reason())
                    .as("the token was not used")
                    .isEqualTo(AuthReason.NONE);
        }
    }

    @Test
    void withoutACertificateNothingButEnrollmentIsTaken() throws Exception {
        try (TestGateway gw = enrolling(1)) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.REFUSED);
            assertThat(gw.lastReason).isEqualTo(AuthReason.CERTIFICATE_REQUIRED);
        }
        try (TestGateway gw = enrolling(1)) {
            gw.sendVolumes();
            assertThat(gw.closedByMonitor()).isTrue();
        }
        Await.until(20_000, () -> daemon.closedFor("BEFORE_AUTHENTICATION"));
        assertThat(daemon.sessionsInSession()).isZero();
    }

    @Test
    void aGatewayInSessionRenewsForTheSameNameAndARevokedOneCannot() throws Exception {
        KeyPair keys = Keys.generate();
        X509Certificate first;
        try (TestGateway gw = enrolling(7)) {
            first = certificate(gw.enroll(key(7), TOKEN, CertificateRequest.create(keys, "gateway-7"))
                    .certificate());
        }
        X509Certificate renewed;
        try (TestGateway gw = new TestGateway(daemon.address(), 7, mutual(keys, first))) {
            byte[] request = CertificateRequest.create(keys, "gateway-99");
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            TestGateway.CertificateAnswer answer = renew(gw, request);
            assertThat(answer.reason()).isEqualTo(AuthReason.NONE);
            renewed = certificate(answer.certificate());
            gw.expect(FrameType.POLL);
            gw.answer();
            Await.until(20_000, () -> statsFrom.contains(7L));
        }
        assertThat(Certificates.commonName(renewed)).isEqualTo("gateway-7");
        assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        assertThat(renewed.getNotAfter()).isAfterOrEqualTo(first.getNotAfter());

        try (TestGateway gw = new TestGateway(daemon.address(), 7, mutual(keys, renewed))) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            ca.revoke(renewed.getSerialNumber());
            long issued = daemon.counters().certificatesIssued();
            // The sweep closes the session within 2 s; a RENEW that gets in first is refused.
            try {
                TestGateway.CertificateAnswer answer = gw.renew(CertificateRequest.create(keys, "gateway-7"));
                assertThat(answer.reason()).isEqualTo(AuthReason.REVOKED);
            } catch (IOException closed) {
                Await.until(20_000, () -> daemon.closedFor("certificate revoked"));
            }
            assertThat(daemon.counters().certificatesIssued()).isEqualTo(issued);
        }
    }

    @Test
    void aRenewalRequestOfAnotherKeyTypeIsRefused() throws Exception {
        KeyPair keys = Keys.generate();
        X509Certificate first;
        try (TestGateway gw = enrolling(7)) {
            first = certificate(gw.enroll(key(7), TOKEN, CertificateRequest.create(keys, "gateway-7"))
                    .certificate());
        }
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        // Made before the session: a gateway silent for a dozen polls is closed.
        byte[] rsaRequest = CertificateRequest.create(rsa.generateKeyPair(), "gateway-7");
        try (TestGateway gw = new TestGateway(daemon.address(), 7, mutual(keys, first))) {
            assertThat(gw.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(renew(gw, rsaRequest).reason()).isEqualTo(AuthReason.BAD_CERTIFICATE_REQUEST);
        }
    }

    /** RENEW in session, the monitor's last close reason in the message if the session ends instead. */
    private TestGateway.CertificateAnswer renew(TestGateway gw, byte[] request) throws Exception {
        try {
            return gw.renew(request);
        } catch (IOException e) {
            throw new AssertionError("no answer to RENEW (" + e.getMessage() + "); " + TestGateway.describe(daemon), e);
        }
    }

    private TestGateway enrolling(long id) throws Exception {
        return new TestGateway(daemon.address(), id, TlsContexts.create(null, List.of(ca.certificate())));
    }

    private SSLContext mutual(KeyPair keys, X509Certificate certificate) {
        return TlsContexts.create(
                new KeyMaterial(keys.getPrivate(), List.of(certificate, ca.certificate())), List.of(ca.certificate()));
    }

    private static byte[] key(long id) {
        return GatewayKeys.derive(SECRET, id);
    }

    private static byte[] request(String commonName) {
        return CertificateRequest.create(Keys.generate(), commonName);
    }

    private static X509Certificate certificate(byte[] der) throws Exception {
        return (X509Certificate)
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
