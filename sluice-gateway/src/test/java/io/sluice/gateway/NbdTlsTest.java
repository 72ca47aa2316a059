package io.sluice.gateway;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD over TLS with the real Debian clients (libnbd's nbdinfo and nbdcopy, qemu-img, fio) against a gateway process
 * whose certificates sluice-pki made, in SELECTIVETLS mode: one export requires TLS, one requires a named client
 * certificate, one allows plaintext, one is for another network. A raw client checks the option replies proto.md
 * prescribes.
 */
@Tag("system")
class NbdTlsTest {
    private static final int SIZE = 16 << 20;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;
    static Path backup;
    static Path intruder;
    static Path anonymous;
    static Path server;
    static TestCertificates pki;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestCertificates(dir);
        server = pki.server("gateway");
        backup = pki.client("backup");
        intruder = pki.client("intruder");
        anonymous = pki.anonymousClient("anonymous");
        for (String name : List.of("secure", "certs", "open", "lan")) {
            Tools.emptyFile(dir, name + ".img", SIZE);
        }
        Tools.randomFile(dir, "data.img", SIZE, 21);
        Path config = Files.writeString(dir.resolve("gateway.yaml"), """
                tls-certificates: %s
                exports:
                  - name: secure
                    target: %s
                  - name: certs
                    target: %s
                    allowed-clients: [backup]
                  - name: open
                    target: %s
                    tls: allow
                  - name: lan
                    target: %s
                    tls: allow
                    allowed-addresses: [10.0.0.0/8, "fd00::/8"]
                  - name: data
                    target: %s
                """.formatted(
                        server,
                        dir.resolve("secure.img"),
                        dir.resolve("certs.img"),
                        dir.resolve("open.img"),
                        dir.resolve("lan.img"),
                        dir.resolve("data.img")));
        gateway = GatewayProcess.start(dir, "--config=" + config);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static String tls(String export, Path certificates) {
        return "nbds://127.0.0.1:" + gateway.port() + "/" + export + "?tls-certificates=" + certificates;
    }

    @Test
    void listShowsEachClientOnlyWhatItMayUse() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result withCertificate = Tools.run(30, "nbdinfo", "--list", tls("", backup));
        assertThat(withCertificate.ok()).as(withCertificate.output()).isTrue();
        assertThat(withCertificate.output())
                .contains("export=\"secure\"", "export=\"certs\"", "export=\"open\"")
                .doesNotContain("lan");

        Tools.Result otherCertificate = Tools.run(30, "nbdinfo", "--list", tls("", intruder));
        assertThat(otherCertificate.output())
                .contains("export=\"secure\"", "export=\"open\"")
                .doesNotContain("certs", "lan");

        Tools.Result plaintext = Tools.run(30, "nbdinfo", "--list", "nbd://127.0.0.1:" + gateway.port());
        assertThat(plaintext.ok()).as(plaintext.output()).isTrue();
        assertThat(plaintext.output()).contains("export=\"open\"").doesNotContain("secure", "certs", "lan");
    }

    @Test
    void plaintextClientsAreRefusedAnExportThatRequiresTls() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result plaintext = Tools.run(30, "nbdinfo", "--size", gateway.uri("secure"));
        assertThat(plaintext.ok()).isFalse();
        assertThat(plaintext.output()).containsIgnoringCase("TLS");
        Tools.Result open = Tools.run(30, "nbdinfo", "--size", gateway.uri("open"));
        assertThat(open.output().trim()).isEqualTo(Integer.toString(SIZE));
        Tools.Result anonymousTls = Tools.run(30, "nbdinfo", "--size", tls("secure", anonymous));
        assertThat(anonymousTls.output().trim())
                .as("a client without a certificate may use an export that names none")
                .isEqualTo(Integer.toString(SIZE));
    }

    @Test
    void onlyAnAllowedClientCertificateGetsItsExport() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result allowed = Tools.run(30, "nbdinfo", "--size", tls("certs", backup));
        assertThat(allowed.output().trim()).as(allowed.output()).isEqualTo(Integer.toString(SIZE));
        for (Path refused : List.of(intruder, anonymous)) {
            Tools.Result result = Tools.run(30, "nbdinfo", "--size", tls("certs", refused));
            assertThat(result.ok()).as(result.output()).isFalse();
            assertThat(result.output()).containsIgnoringCase("policy");
        }
        Tools.Result elsewhere = Tools.run(30, "nbdinfo", "--size", tls("lan", backup));
        assertThat(elsewhere.ok())
                .as("loopback is not in the export's networks")
                .isFalse();
    }

    @Test
    void nbdcopyInAndOutOverTls() throws Exception {
        Tools.require("nbdcopy");
        Path source = Tools.randomFile(dir, "source.img", SIZE, 11);
        Tools.Result in = Tools.run(60, "nbdcopy", "--connections=2", source.toString(), tls("secure", backup));
        assertThat(in.ok()).as(in.output()).isTrue();
        Path back = dir.resolve("back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", tls("secure", backup), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
        assertThat(Files.mismatch(source, dir.resolve("secure.img"))).isEqualTo(-1);
    }

    /**
     * One request in flight at a time over TLS, 4 KiB each: the reader runs every request itself and sends its reply on
     * the thread that read the request, right after decrypting it. Replies sent that way once made libnbd wait
     * milliseconds per request (47 IOPS); 4,096 reads then took minutes, where they take a second or two here even on a
     * busy machine, so the bound tells the two apart without judging speed. The copy must also be exact.
     */
    @Test
    void oneRequestAtATimeOverTlsIsAnsweredWithoutStalling() throws Exception {
        Tools.require("nbdcopy");
        Path back = dir.resolve("qd1-back.img");
        Tools.Result copy = Tools.run(
                60,
                "nbdcopy",
                "--synchronous",
                "--no-extents",
                "--connections=1",
                "--request-size=4096",
                tls("data", backup),
                back.toString());
        assertThat(copy.ok()).as(copy.output()).isTrue();
        assertThat(Files.mismatch(dir.resolve("data.img"), back)).isEqualTo(-1);
    }

    @Test
    void qemuImgOverTlsWithItsX509Credentials() throws Exception {
        Tools.require("qemu-img");
        Path source = Tools.randomFile(dir, "qemu-source.img", SIZE, 12);
        String object = "tls-creds-x509,id=tls0,dir=" + backup + ",endpoint=client";
        String image = "driver=nbd,host=127.0.0.1,port=" + gateway.port() + ",export=certs,tls-creds=tls0";
        Tools.Result info = Tools.run(60, "qemu-img", "info", "--object", object, "--image-opts", image);
        assertThat(info.ok()).as(info.output()).isTrue();
        assertThat(info.output()).contains("virtual size: 16 MiB");
        Tools.Result in = Tools.run(
                60,
                "qemu-img",
                "convert",
                "-n",
                "--object",
                object,
                "-f",
                "raw",
                source.toString(),
                "--target-image-opts",
                image);
        assertThat(in.ok()).as(in.output()).isTrue();
        Path back = dir.resolve("qemu-back.img");
        Tools.Result out = Tools.run(
                60, "qemu-img", "convert", "--object", object, "--image-opts", image, "-O", "raw", back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);

        Tools.Result plain = Tools.run(
                60,
                "qemu-img",
                "info",
                "--image-opts",
                "driver=nbd,host=127.0.0.1,port=" + gateway.port() + ",export=certs");
        assertThat(plain.ok()).isFalse();
    }

    /**
     * fio's nbd engine hands its URI to libnbd but does not let it read local files, so a {@code tls-certificates=}
     * parameter is refused ("local file access ... is not allowed"). libnbd then reads the client's certificates from
     * its default directory, {@code $HOME/.pki/libnbd} (for root {@code /etc/pki/libnbd}, which a test must not touch):
     * so fio runs as nobody, with a home of its own.
     */
    @Test
    void fioVerifiedWritesOverTls() throws Exception {
        Tools.require("fio", "setpriv");
        boolean root = "root".equals(System.getProperty("user.name"));
        Path home = Files.createDirectories(dir.resolve("fio-home"));
        Path pki = Files.createDirectories(home.resolve(".pki").resolve("libnbd"));
        for (String file : List.of("ca-cert.pem", "client-cert.pem", "client-key.pem")) {
            Files.copy(backup.resolve(file), pki.resolve(file), StandardCopyOption.COPY_ATTRIBUTES);
        }
        List<String> command = new ArrayList<>();
        if (root) {
            var nobody = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            try (var files = Files.walk(home)) {
                for (Path path : files.toList()) {
                    Files.setOwner(path, nobody);
                }
            }
            // The temporary directories above are root's and closed; nobody needs to pass through them.
            for (Path up = home.getParent(); up != null && up.startsWith(dir); up = up.getParent()) {
                Files.setPosixFilePermissions(up, PosixFilePermissions.fromString("rwx--x--x"));
            }
            command.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
        }
        command.addAll(List.of(
                "fio",
                "--name=tls",
                "--ioengine=nbd",
                "--verify_state_save=0",
                "--uri=nbds://127.0.0.1:" + gateway.port() + "/certs",
                "--rw=randwrite",
                "--bs=4k",
                "--iodepth=16",
                "--size=" + SIZE,
                "--verify=crc32c",
                "--verify_fatal=1",
                "--directory=" + home));
        Tools.Result fio = Tools.run(120, Map.of("HOME", home.toString()), command);
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).contains("err= 0").doesNotContain("verify:", "bad magic");
    }

    /**
     * Every export requiring TLS (FORCEDTLS): nothing but STARTTLS is answered before TLS, and an export is let in by
     * its client certificate's fingerprint, written as openssl prints it.
     */
    @Test
    void forcedTlsAndFingerprints() throws Exception {
        Tools.require("nbdinfo", "openssl");
        Tools.Result printed = Tools.run(
                30,
                "openssl",
                "x509",
                "-noout",
                "-fingerprint",
                "-sha256",
                "-in",
                backup.resolve("client-cert.pem").toString());
        String fingerprint = printed.output().trim().substring(printed.output().indexOf('=') + 1);
        Tools.emptyFile(dir, "fp.img", SIZE);
        Tools.emptyFile(dir, "cli.img", SIZE);
        Path config = Files.writeString(dir.resolve("forced.yaml"), """
                exports:
                  - name: fp
                    target: %s
                    allowed-fingerprints: ["%s"]
                """.formatted(dir.resolve("fp.img"), fingerprint));
        try (GatewayProcess forced = GatewayProcess.start(
                dir, "--config=" + config, "--tls-certificates=" + server, "cli=" + dir.resolve("cli.img"))) {
            try (RawNbdClient client = new RawNbdClient(forced.port())) {
                client.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
                client.option(OPT_LIST, new byte[0]);
                assertThat(client.optionReply().type()).isEqualTo(REP_ERR_TLS_REQD);
                client.option(OPT_STRUCTURED_REPLY, new byte[0]);
                assertThat(client.optionReply().type()).isEqualTo(REP_ERR_TLS_REQD);
                client.option(OPT_GO, RawNbdClient.goData("cli"));
                assertThat(client.optionReply().type()).isEqualTo(REP_ERR_TLS_REQD);
                client.option(OPT_EXPORT_NAME, "cli".getBytes(StandardCharsets.UTF_8));
                assertThat(client.closedByServer())
                        .as("NBD_OPT_EXPORT_NAME cannot be refused politely")
                        .isTrue();
            }
            String base = "nbds://127.0.0.1:" + forced.port() + "/";
            Tools.Result list = Tools.run(30, "nbdinfo", "--list", base + "?tls-certificates=" + intruder);
            assertThat(list.output()).contains("export=\"cli\"").doesNotContain("\"fp\"");
            Tools.Result allowed = Tools.run(30, "nbdinfo", "--size", base + "fp?tls-certificates=" + backup);
            assertThat(allowed.output().trim()).as(allowed.output()).isEqualTo(Integer.toString(SIZE));
            Tools.Result refused = Tools.run(30, "nbdinfo", "--size", base + "fp?tls-certificates=" + intruder);
            assertThat(refused.ok()).isFalse();
            Tools.Result plaintext = Tools.run(30, "nbdinfo", "--list", "nbd://127.0.0.1:" + forced.port());
            assertThat(plaintext.ok()).isFalse();
        }
    }

    /** A certificate revoked by the CA (sluice pki revoke) is refused at the next handshake of a running gateway. */
    @Test
    void aRevokedClientCertificateIsRefusedWithoutARestart() throws Exception {
        Tools.require("nbdinfo");
        Path doomed = pki.client("doomed");
        Tools.emptyFile(dir, "rev.img", SIZE);
        try (GatewayProcess gateway = GatewayProcess.start(
                dir,
                "--tls-certificates=" + server,
                "--tls-revocations=" + pki.revocations(),
                "rev=" + dir.resolve("rev.img"))) {
            String uri = "nbds://127.0.0.1:" + gateway.port() + "/rev?tls-certificates=";
            assertThat(Tools.run(30, "nbdinfo", "--size", uri + doomed).output().trim())
                    .isEqualTo(Integer.toString(SIZE));
            pki.revoke(doomed);
            Tools.Result refused = Tools.run(30, "nbdinfo", "--size", uri + doomed);
            assertThat(refused.ok()).as(refused.output()).isFalse();
            assertThat(Tools.run(30, "nbdinfo", "--size", uri + backup).output().trim())
                    .isEqualTo(Integer.toString(SIZE));
        }
    }

    /** A client that asks for TLS and then sends no TLS is hung up on; the gateway serves the next one. */
    @Test
    void garbageInsteadOfATlsHandshakeEndsOnlyThatConnection() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port())) {
            client.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
            client.option(OPT_STARTTLS, new byte[0]);
            assertThat(client.optionReply().type()).isEqualTo(REP_ACK);
            client.raw("IHAVEOPT this is not a TLS ClientHello at all\r\n"
                    .repeat(4)
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(client.closedByServer()).isTrue();
        }
        try (RawNbdClient client = new RawNbdClient(gateway.port())) {
            client.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
            client.option(OPT_STARTTLS, new byte[0]);
            assertThat(client.optionReply().type()).isEqualTo(REP_ACK);
            client.option(OPT_STARTTLS, new byte[0]);
            assertThat(client.closedByServer())
                    .as("a second STARTTLS in plaintext is no TLS record")
                    .isTrue();
        }
        try (RawNbdClient client = new RawNbdClient(gateway.port())) {
            client.go("open", true);
            assertThat(client.exportSize).isEqualTo(SIZE);
        }
    }

    @Test
    void optionRepliesFollowSelectiveTls() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port())) {
            client.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
            client.option(OPT_GO, RawNbdClient.goData("secure"));
            RawNbdClient.OptionReply secure = client.optionReply();
            assertThat(secure.type()).isEqualTo(REP_ERR_TLS_REQD);
            client.option(OPT_INFO, RawNbdClient.goData("lan"));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_POLICY);
            client.option(OPT_STARTTLS, new byte[] {1});
            assertThat(client.optionReply().type()).as("STARTTLS takes no data").isEqualTo(REP_ERR_INVALID);
            client.option(OPT_INFO, RawNbdClient.goData("open"));
            RawNbdClient.OptionReply info = client.optionReply();
            assertThat(info.type())
                    .as(new String(info.data(), StandardCharsets.UTF_8))
                    .isEqualTo(REP_INFO);
        }
    }
}
