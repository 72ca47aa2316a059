package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Nbdkit;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as a client of other NBD servers: in front of nbdkit and of qemu-nbd (QEMU's NBD server, the one
 * qemu-storage-daemon embeds) over Unix sockets, and in front of another gateway over TCP, with real clients on top.
 * The chained gateway is starved of queue space, so these runs also exercise back-pressure.
 */
@Tag("system")
class UpstreamBackendTest {
    private static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;

    static Nbdkit nbdkit;
    static Nbdkit nbdkitReadOnly;
    static Nbdkit nbdkitSparse;
    static Process qemuNbd;
    static Process qemuNbdSparse;
    static Path sparse;
    static GatewayProcess qemuFront;
    static GatewayProcess front;
    static GatewayProcess chained;

    @BeforeAll
    static void start() throws Exception {
        // 4 MiB of data at 10 MiB, holes around it: served read-only by nbdkit and by qemu-nbd.
        sparse = dir.resolve("sparse.img");
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(SIZE);
            byte[] data = new byte[4 << 20];
            new Random(25).nextBytes(data);
            file.seek(10 << 20);
            file.write(data);
        }
        if (Tools.onPath("qemu-nbd")) {
            Tools.emptyFile(dir, "qemu.img", SIZE);
            Path socket = dir.resolve("qemu.sock");
            qemuNbd = startServer(
                    socket,
                    List.of(
                            "qemu-nbd",
                            "--format=raw",
                            "--shared=4",
                            "--persistent",
                            "--export-name=vol",
                            "--socket=" + socket,
                            dir.resolve("qemu.img").toString()));
            Path sparseSocket = dir.resolve("qemu-sparse.sock");
            qemuNbdSparse = startServer(
                    sparseSocket,
                    List.of(
                            "qemu-nbd",
                            "--format=raw",
                            "--read-only",
                            "--shared=4",
                            "--persistent",
                            "--export-name=sparse",
                            "--socket=" + sparseSocket,
                            sparse.toString()));
            qemuFront = GatewayProcess.start(
                    dir, "qvol=nbd+unix:///vol?socket=" + socket, "qsparse=nbd+unix:///sparse?socket=" + sparseSocket);
        }
        if (!Tools.onPath("nbdkit")) {
            return;
        }
        Tools.emptyFile(dir, "kit.img", SIZE);
        Tools.randomFile(dir, "kit-ro.img", 4 << 20, 21);
        nbdkit = Nbdkit.start(dir.resolve("kit.sock"), "file", "file=" + dir.resolve("kit.img"));
        nbdkitReadOnly = Nbdkit.start(dir.resolve("kit-ro.sock"), "-r", "file", "file=" + dir.resolve("kit-ro.img"));
        nbdkitSparse = Nbdkit.start(dir.resolve("kit-sparse.sock"), "-r", "file", "file=" + sparse);
        front = GatewayProcess.start(
                dir,
                "kit=nbd+unix:///?socket=" + dir.resolve("kit.sock"),
                "kitro=nbd+unix:///?socket=" + dir.resolve("kit-ro.sock"),
                "kitsparse=nbd+unix:///?socket=" + dir.resolve("kit-sparse.sock"));
        // Deliberately starved (one I/O thread, a queue of 2, 4 slots per connection), so clients with
        // deeper queues run into back-pressure at every level on the way.
        chained = GatewayProcess.start(
                dir, "--io-threads=1", "--queue-depth=2", "--request-slots=4", "chain=" + front.uri("kit"));
    }

    private static Process startServer(Path socket, List<String> command) throws Exception {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(socket.getFileName() + ".log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException(command.getFirst() + " did not start: "
                        + Files.readString(dir.resolve(socket.getFileName() + ".log")));
            }
            Thread.sleep(20);
        }
        return process;
    }

    @AfterAll
    static void stop() throws Exception {
        if (chained != null) {
            chained.close();
        }
        if (front != null) {
            front.close();
        }
        if (qemuFront != null) {
            qemuFront.close();
        }
        for (Nbdkit kit : new Nbdkit[] {nbdkit, nbdkitReadOnly, nbdkitSparse}) {
            if (kit != null) {
                kit.close();
            }
        }
        for (Process process : new Process[] {qemuNbd, qemuNbdSparse}) {
            if (process != null) {
                process.destroy();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void nbdcopyThroughTheGatewayReachesNbdkitsFile() throws Exception {
        Tools.require("nbdkit", "nbdcopy");
        Path source = Tools.randomFile(dir, "source.img", SIZE, 22);
        Tools.Result in = Tools.run(60, "nbdcopy", "--connections=2", "--flush", source.toString(), front.uri("kit"));
        assertThat(in.ok()).as(in.output()).isTrue();
        assertThat(Files.mismatch(source, dir.resolve("kit.img"))).isEqualTo(-1);

        Path back = dir.resolve("back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", chained.uri("chain"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
    }

    @Test
    void nbdcopyThroughTheGatewayReachesQemuNbd() throws Exception {
        Tools.require("qemu-nbd", "nbdcopy");
        Path source = Tools.randomFile(dir, "qemu-source.img", SIZE, 24);
        Tools.Result in =
                Tools.run(60, "nbdcopy", "--connections=2", "--flush", source.toString(), qemuFront.uri("qvol"));
        assertThat(in.ok()).as(in.output()).isTrue();
        assertThat(Files.mismatch(source, dir.resolve("qemu.img"))).isEqualTo(-1);
        Path back = dir.resolve("qemu-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", qemuFront.uri("qvol"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
    }

    @Test
    void fioVerifiesThroughTwoGatewaysAndNbdkit() throws Exception {
        Tools.require("nbdkit", "fio");
        Tools.Result fio = Tools.run(
                60,
                "fio",
                "--name=chain",
                "--ioengine=nbd",
                "--verify_state_save=0",
                "--uri=" + chained.uri("chain"),
                "--rw=randrw",
                "--bs=4k",
                "--iodepth=16",
                "--size=16M",
                "--time_based",
                "--runtime=2",
                "--verify=crc32c",
                "--verify_fatal=1");
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).contains("err= 0").doesNotContain("verify:");
    }

    @Test
    void aReadOnlyUpstreamMakesAReadOnlyExport() throws Exception {
        Tools.require("nbdkit", "nbdinfo", "nbdcopy");
        Tools.Result info = Tools.run(30, "nbdinfo", front.uri("kitro"));
        assertThat(info.output()).as(info.output()).contains("is_read_only: true", "export-size: " + (4 << 20));
        Path back = dir.resolve("ro-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", front.uri("kitro"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(dir.resolve("kit-ro.img"), back)).isEqualTo(-1);
    }

    @Test
    void qemuImgWritesZeroesAndDataThroughToNbdkit() throws Exception {
        Tools.require("nbdkit", "qemu-img");
        Path source = Tools.randomFile(dir, "q.raw", SIZE, 23);
        Tools.zero(source, 8 << 20, 4 << 20);
        Tools.Result in = Tools.run(
                60, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), chained.uri("chain"));
        assertThat(in.ok()).as(in.output()).isTrue();
        Tools.Result compare =
                Tools.run(60, "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), front.uri("kit"));
        assertThat(compare.exitCode()).as(compare.output()).isZero();
    }

    @Test
    void blockStatusIsPassedThroughFromNbdkit() throws Exception {
        Tools.require("nbdkit", "nbdinfo");
        Tools.Result direct =
                Tools.run(60, "nbdinfo", "--map", "nbd+unix:///?socket=" + dir.resolve("kit-sparse.sock"));
        Tools.Result through = Tools.run(60, "nbdinfo", "--map", front.uri("kitsparse"));
        assertThat(direct.ok()).as(direct.output()).isTrue();
        assertThat(through.ok()).as(through.output()).isTrue();
        assertThat(through.output()).isEqualTo(direct.output()).contains("hole,zero", "data");
    }

    @Test
    void cacheAndFastZeroAreOfferedAsTheUpstreamOffersThem() throws Exception {
        Tools.require("nbdkit", "nbdinfo");
        Tools.Result direct = Tools.run(30, "nbdinfo", "nbd+unix:///?socket=" + dir.resolve("kit.sock"));
        Tools.Result through = Tools.run(30, "nbdinfo", front.uri("kit"));
        for (String flag : new String[] {"can_cache:", "can_fast_zero:", "can_zero:", "can_trim:"}) {
            assertThat(line(through.output(), flag)).as(through.output()).isEqualTo(line(direct.output(), flag));
        }
    }

    private static String line(String output, String key) {
        return output.lines()
                .map(String::trim)
                .filter(l -> l.startsWith(key))
                .findFirst()
                .orElse(key + " (missing)");
    }

    /** qemu-nbd answers reads of holes with OFFSET_HOLE chunks, and its block status passes through. */
    @Test
    void aSparseImageReadsBackWholeAndSparseThroughQemuNbd() throws Exception {
        Tools.require("qemu-nbd", "nbdcopy");
        Path back = dir.resolve("qemu-sparse-back.img");
        Tools.Result out = Tools.run(60, "nbdcopy", "--sparse=0", qemuFront.uri("qsparse"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(sparse, back)).isEqualTo(-1);
        assertThat(SparseImageTest.allocated(back)).isLessThanOrEqualTo(SparseImageTest.allocated(sparse) + (1 << 20));
        Path plain = dir.resolve("qemu-sparse-plain.img");
        Tools.Result whole =
                Tools.run(60, "nbdcopy", "--no-extents", "--sparse=0", qemuFront.uri("qsparse"), plain.toString());
        assertThat(whole.ok()).as(whole.output()).isTrue();
        assertThat(Files.mismatch(sparse, plain))
                .as("reads of holes come back as zeroes")
                .isEqualTo(-1);
    }

    /** nbdkit's file plugin punches for TRIM and for WRITE_ZEROES without NO_HOLE; its holes show through. */
    @Test
    void trimAndZeroingReachNbdkitAndItsHolesShowThroughTheGateway() throws Exception {
        Tools.require("nbdkit", "qemu-io", "nbdinfo");
        Tools.Result run = Tools.run(
                60,
                "qemu-io",
                "-f",
                "raw",
                "-d",
                "unmap",
                "-c",
                "write -P 0x5a 56M 8M",
                "-c",
                "discard 56M 2M",
                "-c",
                "write -z -u 60M 2M",
                "-c",
                "read -P 0 60M 2M",
                "-c",
                "read -P 0x5a 58M 2M",
                front.uri("kit"));
        assertThat(run.ok()).as(run.output()).isTrue();
        assertThat(run.output()).doesNotContain("failed", "Pattern verification");
        List<long[]> map = SparseImageTest.map(front.uri("kit"));
        assertThat(SparseImageTest.hole(map, 56 << 20, 58 << 20))
                .as("discarded")
                .isTrue();
        assertThat(SparseImageTest.hole(map, 60 << 20, 62 << 20))
                .as("zeroed, holes allowed")
                .isTrue();
        assertThat(SparseImageTest.hole(map, 58 << 20, 60 << 20)).as("data").isFalse();
    }
}
