package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.monitor.MonitorTls;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorCertificateTest {
    @TempDir
    Path dir;

    @Test
    void firstStartMakesTheAuthorityAndTheMonitorsCertificateLaterStartsKeepThem() throws Exception {
        Path pki = dir.resolve("data").resolve("pki");
        MonitorTls first = MonitorCertificate.load(pki, "10.0.0.5", List.of("sla.example"), null);

        assertThat(first.context().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(pki.resolve(MonitorCertificate.KEY_FILE))))
                .isEqualTo("rw-------");
        KeyMaterial issued = KeyMaterial.load(
                pki.resolve(MonitorCertificate.CERTIFICATE_FILE), pki.resolve(MonitorCertificate.KEY_FILE));
        X509Certificate ca = PemFiles.readCertificates(pki.resolve(CertificateAuthority.CERTIFICATE_FILE))
                .getFirst();
        issued.certificate().verify(ca.getPublicKey());
        assertThat(issued.certificate().getSubjectAlternativeNames().stream()
                        .map(name -> String.valueOf(name.get(1)))
                        .toList())
                .containsExactly("10.0.0.5", "localhost", "127.0.0.1", "sla.example");

        MonitorCertificate.load(pki, "0.0.0.0", List.of(), null);
        KeyMaterial again = KeyMaterial.load(
                pki.resolve(MonitorCertificate.CERTIFICATE_FILE), pki.resolve(MonitorCertificate.KEY_FILE));
        assertThat(again.certificate()).isEqualTo(issued.certificate());
    }
}
