package io.sluice.bench;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.PemFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Certificates for the TLS rows of the gateway benchmark, made by sluice-pki: a server directory both servers read
 * (--tls-certificates), and fio's client directory at libnbd's default place in a home of its own. As root, fio runs as
 * nobody, which owns that home.
 *
 * @param server ca-cert.pem, server-cert.pem, server-key.pem (for 127.0.0.1)
 * @param fioHome the HOME fio runs with; its .pki/libnbd holds the client's files
 * @param fioPrefix the command words that run fio as nobody (empty when not root)
 */
record TlsSetup(Path server, Path fioHome, List<String> fioPrefix) {
    static TlsSetup create(Path dir) throws IOException {
        CertificateAuthority ca =
                CertificateAuthority.create(dir.resolve("ca"), "Sluice bench CA", EpochClock.system());
        Path server = PrivateFiles.ensureDirectory(dir.resolve("server"));
        PemFiles.writeCertificates(server.resolve("ca-cert.pem"), List.of(ca.certificate()));
        ca.issueKeyMaterial(
                        "127.0.0.1",
                        List.of("127.0.0.1", "localhost"),
                        CertificateAuthority.Usage.SERVER,
                        Duration.ofDays(1))
                .write(server.resolve("server-cert.pem"), server.resolve("server-key.pem"));
        Path home = Files.createDirectories(dir.resolve("fio-home"));
        Path client = Files.createDirectories(home.resolve(".pki").resolve("libnbd"));
        PemFiles.writeCertificates(client.resolve("ca-cert.pem"), List.of(ca.certificate()));
        ca.issueKeyMaterial("fio", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1))
                .write(client.resolve("client-cert.pem"), client.resolve("client-key.pem"));
        if (!"root".equals(System.getProperty("user.name"))) {
            return new TlsSetup(server, home, List.of());
        }
        UserPrincipal nobody =
                dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        try (Stream<Path> files = Files.walk(home)) {
            for (Path path : files.toList()) {
                Files.setOwner(path, nobody);
            }
        }
        // nobody must pass through the benchmark's private directories to reach its home.
        for (Path up = home.getParent(); up != null && up.startsWith(dir.getParent()); up = up.getParent()) {
            Files.setPosixFilePermissions(up, PosixFilePermissions.fromString("rwx--x--x"));
        }
        return new TlsSetup(
                server, home, List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
    }
}
