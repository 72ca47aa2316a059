package io.sluice.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PemFilesTest {
    @TempDir
    Path dir;

    /** Keys as operators bring them: made by openssl, in its traditional and PKCS#8 forms. */
    @ParameterizedTest
    @ValueSource(strings = {"ec-traditional", "ec-pkcs8", "rsa-traditional", "rsa-pkcs8"})
    void keysAndCertificatesMadeByOpensslAreRead(String kind) throws Exception {
        Path key = dir.resolve("key.pem");
        Path certificate = dir.resolve("cert.pem");
        String algorithm =
                kind.startsWith("ec") ? "ec -pkeyopt ec_paramgen_curve:P-256" : "rsa -pkeyopt rsa_keygen_bits:2048";
        run("openssl genpkey -algorithm " + algorithm + " -out " + dir.resolve("pkcs8.pem"));
        if (kind.endsWith("traditional")) {
            run("openssl " + (kind.startsWith("ec") ? "ec" : "rsa") + " -in " + dir.resolve("pkcs8.pem") + " -out "
                    + key + (kind.startsWith("rsa") ? " -traditional" : ""));
        } else {
            Files.copy(dir.resolve("pkcs8.pem"), key);
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        run("openssl req -new -x509 -key " + key + " -subj /CN=nbd.example.com -days 2 -out " + certificate);

        KeyMaterial material = KeyMaterial.load(certificate, key);

        assertThat(Certificates.commonName(material.certificate())).isEqualTo("nbd.example.com");
        assertThat(material.key().getAlgorithm()).isEqualTo(kind.startsWith("ec") ? "EC" : "RSA");
    }

    @Test
    void writtenMaterialReadsBackWithItsKeyPrivate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("ca"), "CA", EpochClock.system());
        KeyMaterial issued = ca.issueKeyMaterial(
                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));

        issued.write(dir.resolve("monitor.crt"), dir.resolve("monitor.key"));
        KeyMaterial read = KeyMaterial.load(dir.resolve("monitor.crt"), dir.resolve("monitor.key"));

        assertThat(read.chain()).isEqualTo(issued.chain());
        // The file also carries the public point, so the encodings differ; the secret scalar must not.
        assertThat(((ECPrivateKey) read.key()).getS()).isEqualTo(((ECPrivateKey) issued.key()).getS());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("monitor.key"))))
                .isEqualTo("rw-------");
    }

    /** GnuTLS 3.7 (nbdkit, qemu, libnbd) refuses an EC key whose PKCS#8 leaves the public point out. */
    @Test
    void writtenKeysLoadInGnutlsAndOpenssl() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("ca"), "CA", EpochClock.system());
        ca.issueKeyMaterial("nbd", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1))
                .write(dir.resolve("server-cert.pem"), dir.resolve("server-key.pem"));

        for (Path key :
                List.of(dir.resolve("server-key.pem"), dir.resolve("ca").resolve(CertificateAuthority.KEY_FILE))) {
            run("certtool -k --infile " + key);
            run("openssl pkey -check -noout -in " + key);
        }
        run("certtool -i --infile " + dir.resolve("server-cert.pem"));
        assertThat(KeyMaterial.load(dir.resolve("server-cert.pem"), dir.resolve("server-key.pem"))
                        .key()
                        .getAlgorithm())
                .isEqualTo("EC");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(dir.resolve("ca"), "CA", EpochClock.system());
        ca.issueKeyMaterial("a", List.of(), CertificateAuthority.Usage.SERVER, Duration.ofDays(1))
                .write(dir.resolve("a.crt"), dir.resolve("a.key"));
        ca.issueKeyMaterial("b", List.of(), CertificateAuthority.Usage.SERVER, Duration.ofDays(1))
                .write(dir.resolve("b.crt"), dir.resolve("b.key"));

        assertThatThrownBy(() -> KeyMaterial.load(dir.resolve("a.crt"), dir.resolve("b.key")))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("is not the key of");
    }

    @Test
    void filesThatAreNotPemAreTypedRefusals() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
        Files.setPosixFilePermissions(junk, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> PemFiles.readCertificates(junk)).isInstanceOf(KeyMaterialException.class);
        assertThatThrownBy(() -> PemFiles.readPrivateKey(junk)).isInstanceOf(KeyMaterialException.class);
        assertThatThrownBy(() -> PemFiles.readCertificates(Files.writeString(dir.resolve("empty.pem"), "")))
                .isInstanceOf(KeyMaterialException.class);
    }

    private static void run(String command) throws Exception {
        Process process =
                new ProcessBuilder(command.split(" ")).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(command + "\n" + output).isZero();
    }
}
