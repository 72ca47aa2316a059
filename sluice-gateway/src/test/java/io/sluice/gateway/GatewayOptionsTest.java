package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.HostPort;
import io.sluice.common.PrivateFiles;
import io.sluice.gateway.export.ExportAccess;
import io.sluice.protocol.GatewayKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's command line as picocli reads it, laid over the configuration file, with the errors it has always
 * given.
 */
class GatewayOptionsTest {
    private static final byte[] KEY = new byte[32];
    private static final byte[] SECRET = "0123456789abcdef-deployment".getBytes();

    @TempDir
    Path dir;

    private Path keyFile;
    private Path secretFile;

    @BeforeEach
    void files() throws Exception {
        keyFile = PrivateFiles.writeSecret(dir.resolve("key"), KEY);
        secretFile = PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
    }

    @Test
    void everyValuedOptionTakesItsValueAfterAnEqualsSignOrAsTheNextArgument() {
        GatewayContext joined = GatewayContext.parse(
                "--io-threads=3",
                "--queue-depth=32",
                "--request-slots=8",
                "--buffer-memory-mib=128",
                "--handshake-timeout-ms=900",
                "--stats-file=" + dir.resolve("stats.json"),
                "--tls=off",
                "127.0.0.1:0",
                "a=" + dir.resolve("a.img"));
        GatewayContext separate = GatewayContext.parse(
                "--io-threads",
                "3",
                "--queue-depth",
                "32",
                "--request-slots",
                "8",
                "--buffer-memory-mib",
                "128",
                "--handshake-timeout-ms",
                "900",
                "--stats-file",
                dir.resolve("stats.json").toString(),
                "--tls",
                "off",
                "127.0.0.1:0",
                "a=" + dir.resolve("a.img"));
        for (GatewayContext context : new GatewayContext[] {joined, separate}) {
            assertThat(context.ioThreads()).isEqualTo(3);
            assertThat(context.queueDepth()).isEqualTo(32);
            assertThat(context.connections().requestSlots()).isEqualTo(8);
            assertThat(context.connections().bufferMemory()).isEqualTo(128L << 20);
            assertThat(context.connections().handshakeTimeoutMs()).isEqualTo(900);
            assertThat(context.statsFile()).isEqualTo(dir.resolve("stats.json"));
            assertThat(context.defaultTls()).isEqualTo(ExportAccess.Tls.OFF);
        }
    }

    @Test
    void anOptionGivenTwiceKeepsTheLastAndTheLastListenAddressCounts() {
        GatewayContext context = GatewayContext.parse(
                "--io-threads=3", "127.0.0.1:1", "a=" + dir.resolve("a.img"), "--io-threads=5", "127.0.0.1:0");
        assertThat(context.ioThreads()).isEqualTo(5);
        assertThat(context.listen().getPort()).isZero();
    }

    @Test
    void theCommandLineOverridesTheFileAndTheLastOfKeyFileAndSecretFileCounts() throws Exception {
        Path config = Files.writeString(dir.resolve("gw.yaml"), """
                listen: 127.0.0.1:0
                io-threads: 7
                exports:
                  - name: a
                    target: %s
                monitor:
                  address: sla.example:7070
                  gateway-id: 3
                  key-file: %s
                  insecure-plaintext: true
                """.formatted(dir.resolve("a.img"), keyFile));
        GatewayContext fromFile = GatewayContext.parse("--config", config.toString());
        assertThat(fromFile.ioThreads()).isEqualTo(7);
        assertThat(fromFile.monitor().key()).isEqualTo(KEY);

        GatewayContext secret = GatewayContext.parse(
                "--config=" + config, "--io-threads=2", "--gateway-id=9", "--secret-file=" + secretFile);
        assertThat(secret.ioThreads()).isEqualTo(2);
        assertThat(secret.monitor().gatewayId()).isEqualTo(9);
        assertThat(secret.monitor().key()).isEqualTo(GatewayKeys.derive(SECRET, 9));

        GatewayContext keyLast = GatewayContext.parse(
                "--config", config.toString(), "--secret-file=" + secretFile, "--key-file=" + keyFile);
        assertThat(keyLast.monitor().key()).isEqualTo(KEY);
        assertThat(keyLast.exports()).hasSize(1);
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        String export = "a=" + dir.resolve("a.img");
        assertThatThrownBy(() -> GatewayContext.parse("--frobnicate", "127.0.0.1:0", export))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown option: --frobnicate");
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1:0", export, "--stats-file"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--stats-file needs a value");
        assertThatThrownBy(() -> GatewayContext.parse("--io-threads=many", "127.0.0.1:0", export))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a number: --io-threads=many");
        assertThatThrownBy(() -> GatewayContext.parse("--gateway-id=x", "127.0.0.1:0", export))
                .hasMessage("not a gateway id: x");
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1", export))
                .isInstanceOfSatisfying(
                        HostPort.Invalid.class, e -> assertThat(e.value()).isEqualTo("127.0.0.1"))
                .hasMessage("listen address must be HOST:PORT: '127.0.0.1'");
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1:65536", export))
                .hasMessageContaining("port out of 0..65535");
    }
}
