package io.sluice.gateway;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.PemFiles;
import io.sluice.pki.RevocationList;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A CA made by sluice-pki and the gnutls-style directories nbdkit, qemu and libnbd read ({@code ca-cert.pem} and
 * {@code server-*} or {@code client-*}), as {@code sluice pki issue --tls-dir} writes them.
 */
final class TestCertificates {
    private final CertificateAuthority ca;
    private final Path dir;

    TestCertificates(Path dir) throws IOException {
        this.dir = dir;
        this.ca = CertificateAuthority.create(dir.resolve("ca"), "Test NBD CA", EpochClock.system());
    }

    /** A server directory for 127.0.0.1 and localhost. */
    Path server(String name) throws IOException {
        return issue(name, "server", CertificateAuthority.Usage.SERVER, List.of("127.0.0.1", "localhost"));
    }

    /** A client directory whose certificate names {@code commonName}. */
    Path client(String commonName) throws IOException {
        return issue(commonName, "client", CertificateAuthority.Usage.CLIENT, List.of());
    }

    /** A client directory holding the CA alone: the client verifies the server but proves nothing itself. */
    Path anonymousClient(String name) throws IOException {
        Path tls = PrivateFiles.ensureDirectory(dir.resolve(name));
        PemFiles.writeCertificates(tls.resolve("ca-cert.pem"), List.of(ca.certificate()));
        return tls;
    }

    /** Withdraws the client certificate in {@code clientDir}, as {@code sluice pki revoke} does. */
    void revoke(Path clientDir) throws IOException {
        ca.revoke(PemFiles.readCertificates(clientDir.resolve("client-cert.pem"))
                .getFirst()
                .getSerialNumber());
    }

    /** The CA's revocation list file. */
    Path revocations() {
        return dir.resolve("ca").resolve(RevocationList.FILE);
    }

    private Path issue(String commonName, String side, CertificateAuthority.Usage usage, List<String> names)
            throws IOException {
        Path tls = PrivateFiles.ensureDirectory(dir.resolve(side + "-" + commonName));
        PemFiles.writeCertificates(tls.resolve("ca-cert.pem"), List.of(ca.certificate()));
        ca.issueKeyMaterial(commonName, names, usage, Duration.ofDays(1))
                .write(tls.resolve(side + "-cert.pem"), tls.resolve(side + "-key.pem"));
        return tls;
    }
}
