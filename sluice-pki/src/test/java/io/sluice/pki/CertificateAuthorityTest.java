package io.sluice.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.ManualEpochClock;
import io.sluice.common.PrivateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path dir;

    private final ManualEpochClock clock = new ManualEpochClock(1_800_000_000_000L);

    @Test
    void theAuthorityIsKeptPrivateAndLoadsAgain() throws Exception {
        Path caDir = dir.resolve("pki");
        CertificateAuthority created = CertificateAuthority.create(caDir, "Sluice CA", clock);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(caDir.resolve(CertificateAuthority.KEY_FILE))))
                .isEqualTo("rw-------");
        CertificateAuthority loaded = CertificateAuthority.load(caDir, clock);
        assertThat(loaded.certificate()).isEqualTo(created.certificate());
        assertThat(Certificates.commonName(loaded.certificate())).isEqualTo("Sluice CA");
        assertThat(loaded.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void anExistingAuthorityIsNeverReplaced() throws Exception {
        CertificateAuthority.create(dir.resolve("pki"), "first", clock);

        assertThatThrownBy(() -> CertificateAuthority.create(dir.resolve("pki"), "second", clock))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("already holds");
        assertThat(Certificates.commonName(CertificateAuthority.loadOrCreate(dir.resolve("pki"), "third", clock)
                        .certificate()))
                .isEqualTo("first");
    }

    @Test
    void aKeyOthersCanReadIsRefused() throws Exception {
        Path caDir = dir.resolve("pki");
        CertificateAuthority.create(caDir, "Sluice CA", clock);
        Files.setPosixFilePermissions(
                caDir.resolve(CertificateAuthority.KEY_FILE), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> CertificateAuthority.load(caDir, clock))
                .isInstanceOf(PrivateFiles.NotPrivateException.class);
    }

    @Test
    void issuedCertificatesCarryTheAuthoritysChoiceOfNamesAndTheClocksValidity() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice CA", clock);
        var keys = Keys.generate();
        CertificateRequest request = CertificateRequest.parse(CertificateRequest.create(keys, "admin-please"));

        X509Certificate issued = ca.issue(
                request,
                "gateway-42",
                List.of("gw42.example.com", "10.0.0.42"),
                CertificateAuthority.Usage.CLIENT,
                Duration.ofDays(30));

        assertThat(request.commonName()).isEqualTo("admin-please");
        assertThat(Certificates.commonName(issued)).isEqualTo("gateway-42");
        assertThat(issued.getPublicKey()).isEqualTo(keys.getPublic());
        issued.verify(ca.certificate().getPublicKey());
        assertThat(issued.getSubjectAlternativeNames())
                .extracting(name -> (Object) name.get(1))
                .containsExactly("gw42.example.com", "10.0.0.42");
        assertThat(issued.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(issued.getBasicConstraints()).isEqualTo(-1);
        assertThat(issued.getNotAfter().getTime()).isEqualTo(clock.epochMillis() + 30 * DAY);
        assertThat(issued.getNotBefore().getTime()).isLessThan(clock.epochMillis());
    }

    @Test
    void everySerialIsDifferent() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice CA", clock);
        var key = Keys.generate().getPublic();

        var first = ca.issue(key, "a", List.of(), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        var second = ca.issue(key, "a", List.of(), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));

        assertThat(first.getSerialNumber()).isNotEqualTo(second.getSerialNumber());
        assertThat(Certificates.fingerprint(first)).hasSize(64).isNotEqualTo(Certificates.fingerprint(second));
    }

    @Test
    void aBatchIsIssuedInOrderAndEveryCertificateIsIndexed() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("pki"), "Sluice CA", clock);
        var key = Keys.generate().getPublic();
        ca.issue(key, "before", List.of(), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));

        List<X509Certificate> issued = ca.issueAll(
                key,
                List.of("gateway-1", "gateway-2", "gateway-3"),
                CertificateAuthority.Usage.CLIENT,
                Duration.ofDays(30));

        assertThat(issued).extracting(Certificates::commonName).containsExactly("gateway-1", "gateway-2", "gateway-3");
        for (X509Certificate certificate : issued) {
            certificate.verify(ca.certificate().getPublicKey());
            assertThat(certificate.getPublicKey()).isEqualTo(key);
            assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        }
        var entries =
                CertificateAuthority.load(dir.resolve("pki"), clock).index().entries();
        assertThat(entries)
                .extracting(CertificateIndex.Entry::commonName)
                .containsExactly("before", "gateway-1", "gateway-2", "gateway-3");
        assertThat(entries.get(3).serial()).isEqualTo(issued.get(2).getSerialNumber());
        assertThat(entries.get(3).usage()).isEqualTo(CertificateAuthority.Usage.CLIENT);
    }
}
