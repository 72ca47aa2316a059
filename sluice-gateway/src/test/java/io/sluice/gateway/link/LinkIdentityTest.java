package io.sluice.gateway.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.CertificateRequest;
import io.sluice.pki.KeyMaterialException;
import io.sluice.pki.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's enrolled identity: its key and certificate on disk, what it accepts, and when it renews (injected
 * clock).
 */
class LinkIdentityTest {
    private static final long GATEWAY = 17;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());
    private final EpochClock clock = now::get;
    private CertificateAuthority ca;

    @BeforeEach
    void authority() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("pki"), "Test CA", clock);
    }

    @Test
    void aRenewalIsDueTwoThirdsIntoTheCertificatesLifeOnTheInjectedClock() throws Exception {
        LinkIdentity identity = LinkIdentity.enrolled(dir.resolve("state"), List.of(ca.certificate()), GATEWAY, clock);
        assertThat(identity.hasCertificate()).isFalse();
        assertThat(identity.renewalDue()).as("nothing to renew yet").isFalse();
        X509Certificate issued =
                identity.install(sign(identity.certificateRequest(), "gateway-17", Duration.ofDays(30)));
        assertThat(identity.hasCertificate()).isTrue();
        long from = issued.getNotBefore().getTime();
        long life = issued.getNotAfter().getTime() - from;
        assertThat(identity.renewAtMillis()).isEqualTo(from + life / 3 * 2);
        now.set(identity.renewAtMillis() - 1);
        assertThat(identity.renewalDue()).isFalse();
        now.set(identity.renewAtMillis());
        assertThat(identity.renewalDue()).isTrue();

        // A renewal keeps the key; the new certificate pushes the next renewal out.
        byte[] renewal = identity.certificateRequest();
        assertThat(CertificateRequest.parse(renewal).publicKey()).isEqualTo(issued.getPublicKey());
        X509Certificate renewed = identity.install(sign(renewal, "gateway-17", Duration.ofDays(30)));
        assertThat(identity.renewalDue()).isFalse();

        // Offline past its certificate's end: it must enroll again, with a new key, and connects without a certificate.
        now.set(renewed.getNotAfter().getTime() + 1);
        assertThat(identity.hasCertificate()).isFalse();
        assertThat(CertificateRequest.parse(identity.certificateRequest()).publicKey())
                .isNotEqualTo(renewed.getPublicKey());
    }

    @Test
    void theKeyAndCertificateArePrivateAndSurviveARestart() throws Exception {
        Path state = dir.resolve("state");
        LinkIdentity identity = LinkIdentity.enrolled(state, List.of(ca.certificate()), GATEWAY, clock);
        X509Certificate issued =
                identity.install(sign(identity.certificateRequest(), "gateway-17", Duration.ofDays(30)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(LinkIdentity.KEY_FILE))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(state.resolve(LinkIdentity.CERTIFICATE_FILE))))
                .isEqualTo("rw-------");
        LinkIdentity again = LinkIdentity.enrolled(state, List.of(ca.certificate()), GATEWAY, clock);
        assertThat(again.hasCertificate()).isTrue();
        assertThat(again.certificate()).isEqualTo(issued);
    }

    @Test
    void aCertificateForAnotherGatewayKeyOrAuthorityOrTimeIsNotInstalled() throws Exception {
        LinkIdentity identity = LinkIdentity.enrolled(dir.resolve("state"), List.of(ca.certificate()), GATEWAY, clock);
        byte[] request = identity.certificateRequest();
        assertThatThrownBy(() -> identity.install(sign(request, "gateway-18", Duration.ofDays(30))))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("gateway-18");
        assertThatThrownBy(() -> identity.install(sign(
                        CertificateRequest.create(Keys.generate(), "gateway-17"), "gateway-17", Duration.ofDays(30))))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("another key");
        CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), "Impostor CA", clock);
        assertThatThrownBy(() -> identity.install(other.issue(
                                CertificateRequest.parse(request),
                                "gateway-17",
                                List.of(),
                                CertificateAuthority.Usage.CLIENT,
                                Duration.ofDays(30))
                        .getEncoded()))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("no trusted authority");
        byte[] valid = sign(request, "gateway-17", Duration.ofDays(30));
        now.addAndGet(Duration.ofDays(31).toMillis());
        assertThatThrownBy(() -> identity.install(valid))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("not valid now");
        assertThatThrownBy(() -> identity.install(new byte[] {1, 2, 3})).isInstanceOf(KeyMaterialException.class);
        assertThat(identity.hasCertificate()).isFalse();
        assertThat(Files.exists(dir.resolve("state").resolve(LinkIdentity.CERTIFICATE_FILE)))
                .isFalse();
    }

    private byte[] sign(byte[] request, String commonName, Duration validity) throws Exception {
        return ca.issue(
                        CertificateRequest.parse(request),
                        commonName,
                        List.of(),
                        CertificateAuthority.Usage.CLIENT,
                        validity)
                .getEncoded();
    }
}
