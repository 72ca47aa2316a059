package io.sluice.server;

import static io.sluice.server.CommandRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import io.sluice.testkit.Nbdkit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's CA commands, with openssl as the independent judge of what they write. */
class PkiCommandTest {
    @TempDir
    Path dir;

    @Test
    void initIssueListAndRevoke() throws Exception {
        String data = dir.resolve("data").toString();
        assertThat(sluice("pki", "init", "--data-dir", data, "--name", "Test CA")
                        .exit())
                .isZero();
        assertThat(sluice("pki", "init", "--data-dir", data).exit())
                .as("a second init replaces nothing")
                .isNotZero();

        Path tls = dir.resolve("nbd-server");
        CommandRun issued = sluice(
                "pki",
                "issue",
                "--data-dir",
                data,
                "--cn",
                "gw1.example.com",
                "--san",
                "127.0.0.1",
                "--usage",
                "SERVER",
                "--tls-dir",
                tls.toString());
        assertThat(issued.exit()).as(issued.err()).isZero();
        assertThat(sluice(
                                "pki",
                                "issue",
                                "--data-dir",
                                data,
                                "--cn",
                                "backup-host",
                                "--out",
                                dir.resolve("backup").toString())
                        .exit())
                .isZero();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("server-key.pem"))))
                .isEqualTo("rw-------");
        assertThat(openssl(
                        "verify",
                        "-CAfile",
                        tls.resolve("ca-cert.pem").toString(),
                        "-purpose",
                        "sslserver",
                        tls.resolve("server-cert.pem").toString()))
                .isZero();
        assertThat(openssl(
                        "verify",
                        "-CAfile",
                        tls.resolve("ca-cert.pem").toString(),
                        "-purpose",
                        "sslclient",
                        dir.resolve("backup.crt").toString()))
                .isZero();
        assertThat(openssl("x509", "-in", tls.resolve("server-cert.pem").toString(), "-noout", "-checkip", "127.0.0.1"))
                .isZero();

        CommandRun listed = sluice("pki", "list", "--data-dir", data);
        assertThat(listed.out()).contains("gw1.example.com", "backup-host").doesNotContain("revoked");

        assertThat(sluice("pki", "revoke", "--data-dir", data, "--cn", "backup-host")
                        .exit())
                .isZero();
        assertThat(sluice("pki", "list", "--data-dir", data).out().lines().filter(line -> line.contains("revoked")))
                .singleElement()
                .asString()
                .contains("backup-host");
        assertThat(sluice("pki", "revoke", "--data-dir", data, "abcdef").exit()).isEqualTo(ExitCode.FAILURE);
        assertThat(sluice("pki", "revoke", "--data-dir", data, "not-hex").exit())
                .isEqualTo(ExitCode.USAGE);
    }

    /** The directories {@code pki issue --tls-dir} writes are what nbdkit and libnbd (GnuTLS) load and verify. */
    @Test
    void tlsDirectoriesServeNbdkitAndLibnbd() throws Exception {
        String data = dir.resolve("data").toString();
        assertThat(sluice("pki", "init", "--data-dir", data).exit()).isZero();
        Path server = dir.resolve("server");
        Path client = dir.resolve("client");
        assertThat(sluice(
                                "pki",
                                "issue",
                                "--data-dir",
                                data,
                                "--cn",
                                "localhost",
                                "--san",
                                "localhost",
                                "--usage",
                                "SERVER",
                                "--tls-dir",
                                server.toString())
                        .exit())
                .isZero();
        assertThat(sluice(
                                "pki",
                                "issue",
                                "--data-dir",
                                data,
                                "--cn",
                                "backup-host",
                                "--usage",
                                "CLIENT",
                                "--tls-dir",
                                client.toString())
                        .exit())
                .isZero();
        assertThat(run(
                        "certtool",
                        "-k",
                        "--infile",
                        server.resolve("server-key.pem").toString()))
                .isZero();
        assertThat(run(
                        "certtool",
                        "-k",
                        "--infile",
                        client.resolve("client-key.pem").toString()))
                .isZero();

        try (Nbdkit nbdkit = Nbdkit.start(
                dir.resolve("nbd.sock"),
                "--tls=require",
                "--tls-certificates=" + server,
                "--tls-verify-peer",
                "memory",
                "1M")) {
            assertThat(run(
                            "nbdinfo",
                            "--size",
                            "nbds+unix://?socket=" + nbdkit.socket() + "&tls-certificates=" + client))
                    .as("libnbd proves itself with the client directory and verifies nbdkit against the CA")
                    .isZero();
            assertThat(run(
                            "nbdinfo",
                            "--size",
                            "nbds+unix://?socket=" + nbdkit.socket() + "&tls-certificates=" + server))
                    .as("a server certificate is no client certificate: nbdkit verifies the peer")
                    .isNotZero();
        }
    }

    private static int run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }

    private static int openssl(String... args) throws Exception {
        var command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }
}
