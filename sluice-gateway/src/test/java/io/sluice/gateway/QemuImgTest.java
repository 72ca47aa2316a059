package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qemu-img convert and compare through the gateway (QEMU's own NBD client). */
@Tag("system")
class QemuImgTest {
    private static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        Tools.emptyFile(dir, "vol.img", SIZE);
        // Unthrottled: the pass-through scheduler gets real traffic here; the other tests run QoS.
        gateway = GatewayProcess.start(dir, "--unthrottled", "vol=" + dir.resolve("vol.img"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void convertIntoTheGatewayAndBack() throws Exception {
        Tools.require("qemu-img");
        Path source = Tools.randomFile(dir, "source.raw", SIZE, 11);
        // A hole in the middle makes qemu-img send WRITE_ZEROES as well as WRITE.
        Tools.zero(source, 16 << 20, 8 << 20);
        Tools.Result in = Tools.run(
                60, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), gateway.uri("vol"));
        assertThat(in.ok()).as(in.output()).isTrue();

        Tools.Result compare =
                Tools.run(60, "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), gateway.uri("vol"));
        assertThat(compare.exitCode()).as(compare.output()).isZero();
        assertThat(compare.output()).contains("Images are identical");

        Path back = dir.resolve("back.qcow2");
        Tools.Result out =
                Tools.run(60, "qemu-img", "convert", "-f", "raw", "-O", "qcow2", gateway.uri("vol"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        Tools.Result again =
                Tools.run(60, "qemu-img", "compare", "-f", "raw", "-F", "qcow2", source.toString(), back.toString());
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(Files.mismatch(source, dir.resolve("vol.img"))).isEqualTo(-1);
    }

    @Test
    void compareNoticesADifference() throws Exception {
        Tools.require("qemu-img");
        Path other = Tools.randomFile(dir, "other.raw", SIZE, 12);
        Tools.Result compare =
                Tools.run(60, "qemu-img", "compare", "-f", "raw", "-F", "raw", other.toString(), gateway.uri("vol"));
        assertThat(compare.exitCode()).as(compare.output()).isEqualTo(1);
    }
}
