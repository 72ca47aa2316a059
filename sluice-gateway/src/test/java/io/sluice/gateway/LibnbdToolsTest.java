package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nbdinfo and nbdcopy (libnbd) against a gateway process. */
@Tag("system")
class LibnbdToolsTest {
    private static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;
    static Path roBacking;

    @BeforeAll
    static void start() throws Exception {
        Tools.emptyFile(dir, "disk.img", SIZE);
        Tools.emptyFile(dir, "multi.img", SIZE);
        roBacking = Tools.randomFile(dir, "ro.img", 4 << 20, 7);
        gateway = GatewayProcess.start(
                dir, "disk=" + dir.resolve("disk.img"), "multi=" + dir.resolve("multi.img"), "ro=" + roBacking + ",ro");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void nbdinfoListsEveryExport() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result list = Tools.run(30, "nbdinfo", "--list", "nbd://127.0.0.1:" + gateway.port());
        assertThat(list.ok()).as(list.output()).isTrue();
        assertThat(list.output()).contains("export=\"disk\"", "export=\"multi\"", "export=\"ro\"");
    }

    @Test
    void nbdinfoDescribesAnExport() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result info = Tools.run(30, "nbdinfo", gateway.uri("ro"));
        assertThat(info.ok()).as(info.output()).isTrue();
        assertThat(info.output())
                .contains(
                        "export-size: " + (4 << 20),
                        "is_read_only: true",
                        "can_multi_conn: true",
                        "can_flush: true",
                        "block_size_maximum: 33554432",
                        "structured");
        Tools.Result size = Tools.run(30, "nbdinfo", "--size", gateway.uri("disk"));
        assertThat(size.output().trim()).isEqualTo(Integer.toString(SIZE));
    }

    @Test
    void nbdinfoReportsAnUnknownExport() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result info = Tools.run(30, "nbdinfo", gateway.uri("nope"));
        assertThat(info.ok()).isFalse();
        assertThat(info.output()).containsIgnoringCase("export");
    }

    @Test
    void nbdcopyInAndOutPreservesContent() throws Exception {
        Tools.require("nbdcopy");
        Path source = Tools.randomFile(dir, "source.img", SIZE, 1);
        Tools.Result in = Tools.run(60, "nbdcopy", source.toString(), gateway.uri("disk"));
        assertThat(in.ok()).as(in.output()).isTrue();
        Path back = dir.resolve("back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", gateway.uri("disk"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
        assertThat(Files.mismatch(source, dir.resolve("disk.img"))).isEqualTo(-1);
    }

    @Test
    void nbdcopyOverSeveralConnectionsToOneExport() throws Exception {
        Tools.require("nbdcopy");
        Path source = Tools.randomFile(dir, "multi-source.img", SIZE, 2);
        Tools.Result in = Tools.run(
                60, "nbdcopy", "--connections=4", "--requests=16", "--flush", source.toString(), gateway.uri("multi"));
        assertThat(in.ok()).as(in.output()).isTrue();
        Path back = dir.resolve("multi-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", "--connections=4", gateway.uri("multi"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
    }

    @Test
    void readOnlyExportServesReadsAndRefusesWrites() throws Exception {
        Tools.require("nbdcopy");
        Path back = dir.resolve("ro-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", gateway.uri("ro"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(roBacking, back)).isEqualTo(-1);

        Path other = Tools.randomFile(dir, "other.img", 4 << 20, 3);
        Tools.Result in = Tools.run(60, "nbdcopy", other.toString(), gateway.uri("ro"));
        assertThat(in.ok()).isFalse();
        assertThat(Files.mismatch(roBacking, back)).isEqualTo(-1);
        assertThat(gateway.isAlive()).isTrue();
    }
}
