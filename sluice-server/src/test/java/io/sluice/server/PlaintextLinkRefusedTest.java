package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Neither end of the gateway link speaks plaintext unless told to, and each says how to fix it. */
class PlaintextLinkRefusedTest {
    @TempDir
    Path dir;

    @Test
    void theMonitorRefusesToStartWithoutTlsUnlessToldInsecurePlaintext() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        CommandRun plain = CommandRun.sluice("monitor", "--secret-file", secret.toString(), "--listen", "127.0.0.1:0");
        assertThat(plain.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(plain.err())
                .contains("refusing a plaintext gateway link")
                .contains("--pki-dir")
                .contains("--insecure-plaintext");
    }

    @Test
    void theGatewayRefusesToStartWithoutTlsUnlessToldInsecurePlaintext() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        CommandRun plain = CommandRun.sluice(
                "gateway",
                "127.0.0.1:0",
                "a=" + dir.resolve("a.img"),
                "--monitor=127.0.0.1:7070",
                "--gateway-id=3",
                "--secret-file=" + secret);
        assertThat(plain.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(plain.err())
                .contains("refusing a plaintext link to the monitor")
                .contains("insecure-plaintext");
    }
}
