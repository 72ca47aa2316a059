package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return GatewayMain.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    @Test
    void badCommandLinesAreUsageErrors() {
        assertThat(run()).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: sluice-gateway");
        assertThat(run("127.0.0.1:0")).isEqualTo(ExitCode.USAGE);
        assertThat(run("127.0.0.1:99999", "a=/tmp/x")).isEqualTo(ExitCode.USAGE);
        assertThat(run("--io-threads=0", "127.0.0.1:0", "a=/tmp/x")).isEqualTo(ExitCode.USAGE);
        assertThat(run("--frobnicate", "127.0.0.1:0", "a=/tmp/x")).isEqualTo(ExitCode.USAGE);
        assertThat(run("127.0.0.1:0", "no-target")).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void aMissingBackingFileIsABadFile(@TempDir Path dir) {
        assertThat(run("127.0.0.1:0", "a=" + dir.resolve("missing.img"))).isEqualTo(ExitCode.BAD_FILE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.img");
    }

    @Test
    void anUnreachableUpstreamIsAFailure(@TempDir Path dir) {
        assertThat(run("127.0.0.1:0", "a=nbd+unix:///x?socket=" + dir.resolve("nobody.sock")))
                .isEqualTo(ExitCode.FAILURE);
    }

    @Test
    void exportSpecsAndOptionsParse() {
        GatewayContext context = GatewayContext.parse("--io-threads=2", "--queue-depth=16", "[::1]:10809",
                "disk=/dev/sdb", "lun=nbd://storage:10810/vol,ro");
        assertThat(context.listen().getPort()).isEqualTo(10809);
        assertThat(context.ioThreads()).isEqualTo(2);
        assertThat(context.queueDepth()).isEqualTo(16);
        assertThat(context.exports()).containsExactly(new ExportConfig("disk", "/dev/sdb", false),
                new ExportConfig("lun", "nbd://storage:10810/vol", true));
        assertThatThrownBy(() -> GatewayContext.parse("127.0.0.1:0", "a=/x", "a=/y"))
                .hasMessageContaining("unique");
    }
}
