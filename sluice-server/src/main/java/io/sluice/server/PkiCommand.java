package io.sluice.server;

import io.sluice.common.EpochClock;
import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.CertificateIndex;
import io.sluice.pki.Certificates;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.PemFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice pki ...}: the server's certificate authority, for operators: make it, issue certificates (for gateways'
 * NBD listeners, NBD clients, a gateway that is not enrolled through the monitor), list what it issued and revoke. A
 * running server re-reads the revocation list at each handshake.
 */
@Command(
        name = "pki",
        mixinStandardHelpOptions = true,
        description = "The server's certificate authority: init, issue, list, revoke.",
        subcommands = {
            PkiCommand.Init.class,
            PkiCommand.Issue.class,
            PkiCommand.ListCertificates.class,
            PkiCommand.Revoke.class
        })
final class PkiCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the authority lives: {@code <data-dir>/pki}, or a directory of its own. */
    static final class Location {
        @Option(
                names = "--data-dir",
                defaultValue = "data",
                description = "the server's data directory; the CA is in its pki/ (default ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--ca-dir", description = "the CA's directory, instead of <data-dir>/pki")
        Path caDir;

        Path directory() {
            return caDir != null ? caDir : dataDir.resolve(CertificateAuthority.DIRECTORY);
        }

        CertificateAuthority load() throws IOException {
            return CertificateAuthority.load(directory(), EpochClock.system());
        }
    }

    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description = "Make the certificate authority (refused if one is there).")
    static final class Init implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location = new Location();

        @Option(
                names = "--name",
                defaultValue = "Sluice CA",
                description = "the CA's common name (default ${DEFAULT-VALUE})")
        String name;

        @Override
        public Integer call() throws Exception {
            CertificateAuthority ca = CertificateAuthority.create(location.directory(), name, EpochClock.system());
            System.out.println("certificate authority " + name + " made in " + location.directory());
            System.out.println("give gateways and NBD clients its certificate: "
                    + location.directory().resolve(CertificateAuthority.CERTIFICATE_FILE));
            System.out.println("fingerprint (SHA-256) " + Certificates.fingerprint(ca.certificate()));
            return ExitCode.OK;
        }
    }

    @Command(
            name = "issue",
            mixinStandardHelpOptions = true,
            description = {
                "Issue a key and a certificate signed by the CA.",
                "--out PREFIX writes PREFIX.crt and PREFIX.key (0600);",
                "--tls-dir DIR writes the layout nbdkit, qemu and libnbd read (ca-cert.pem, <usage>-cert.pem, <usage>-key.pem)."
            })
    static final class Issue implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location = new Location();

        @Option(
                names = "--cn",
                required = true,
                description = "common name: a gateway id, a host name, a client's name")
        String commonName;

        @Option(names = "--san", description = "subject alternative name: a DNS name or IP address (repeatable)")
        List<String> subjectAltNames = new ArrayList<>();

        @Option(names = "--usage", defaultValue = "CLIENT", description = "SERVER or CLIENT (default ${DEFAULT-VALUE})")
        CertificateAuthority.Usage usage;

        @Option(names = "--days", defaultValue = "365", description = "validity in days (default ${DEFAULT-VALUE})")
        int days;

        @ArgGroup(multiplicity = "1")
        Output output;

        static final class Output {
            @Option(names = "--out", description = "write PREFIX.crt and PREFIX.key")
            Path prefix;

            @Option(names = "--tls-dir", description = "write a gnutls-style certificates directory (0700)")
            Path tlsDir;
        }

        @Override
        public Integer call() throws Exception {
            if (days < 1 || days > 3650) {
                System.err.println("sluice pki issue: --days must be 1..3650");
                return ExitCode.USAGE;
            }
            CertificateAuthority ca = location.load();
            KeyMaterial issued = ca.issueKeyMaterial(commonName, subjectAltNames, usage, Duration.ofDays(days));
            if (output.prefix != null) {
                Path certificate = output.prefix.resolveSibling(output.prefix.getFileName() + ".crt");
                issued.write(certificate, output.prefix.resolveSibling(output.prefix.getFileName() + ".key"));
                System.out.println("wrote " + certificate + " and its key");
            } else {
                PrivateFiles.ensureDirectory(output.tlsDir);
                String side = usage == CertificateAuthority.Usage.SERVER ? "server" : "client";
                PemFiles.writeCertificates(output.tlsDir.resolve("ca-cert.pem"), List.of(ca.certificate()));
                issued.write(output.tlsDir.resolve(side + "-cert.pem"), output.tlsDir.resolve(side + "-key.pem"));
                System.out.println(
                        "wrote ca-cert.pem, " + side + "-cert.pem and " + side + "-key.pem in " + output.tlsDir);
            }
            System.out.println(
                    "serial " + issued.certificate().getSerialNumber().toString(16) + ", valid until "
                            + issued.certificate().getNotAfter().toInstant());
            return ExitCode.OK;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Every certificate the CA issued, with its state.")
    static final class ListCertificates implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location = new Location();

        @Override
        public Integer call() throws Exception {
            CertificateAuthority ca = location.load();
            long now = System.currentTimeMillis();
            System.out.printf("%-32s %-6s %-20s %-8s  %s%n", "serial", "usage", "not after", "state", "common name");
            for (CertificateIndex.Entry entry : ca.index().entries()) {
                String state = ca.revocations().isRevoked(entry.serial())
                        ? "revoked"
                        : entry.notAfterMillis() < now ? "expired" : "valid";
                System.out.printf(
                        "%-32s %-6s %-20s %-8s  %s%n",
                        entry.serial().toString(16),
                        entry.usage(),
                        Instant.ofEpochMilli(entry.notAfterMillis()).toString().substring(0, 19),
                        state,
                        entry.commonName());
            }
            return ExitCode.OK;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke certificates by serial (hex), or every one issued to a common name.")
    static final class Revoke implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location = new Location();

        @Parameters(
                paramLabel = "SERIAL",
                arity = "0..*",
                description = "serials in hex, as `sluice pki list` shows them")
        List<String> serials = new ArrayList<>();

        @Option(names = "--cn", description = "revoke every certificate issued to this common name")
        String commonName;

        @Override
        public Integer call() throws Exception {
            CertificateAuthority ca = location.load();
            List<BigInteger> chosen = new ArrayList<>();
            List<CertificateIndex.Entry> issued = ca.index().entries();
            for (String serial : serials) {
                BigInteger value;
                try {
                    value = new BigInteger(serial, 16);
                } catch (NumberFormatException e) {
                    System.err.println("sluice pki revoke: not a hex serial: " + serial);
                    return ExitCode.USAGE;
                }
                if (issued.stream().noneMatch(entry -> entry.serial().equals(value))) {
                    System.err.println("sluice pki revoke: this CA issued no certificate " + serial);
                    return ExitCode.FAILURE;
                }
                chosen.add(value);
            }
            if (commonName != null) {
                issued.stream()
                        .filter(entry -> commonName.equals(entry.commonName()))
                        .forEach(entry -> chosen.add(entry.serial()));
            }
            if (chosen.isEmpty()) {
                System.err.println("sluice pki revoke: nothing to revoke (give serials or a --cn the CA issued to)");
                return ExitCode.FAILURE;
            }
            for (BigInteger serial : chosen) {
                ca.revoke(serial);
                System.out.println("revoked " + serial.toString(16));
            }
            return ExitCode.OK;
        }
    }
}
