package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Nbdkit;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse images through the gateway with the Debian tools a storage admin uses: block status ({@code nbdinfo --map}) as
 * nbdkit's file plugin reports it on the same file, copies with nbdcopy and {@code qemu-img convert} that keep holes
 * holes in both directions, qemu-io's discard and write-zeroes, and fio trimming. Holes are judged by the blocks the
 * file system holds ({@code stat}).
 */
@Tag("system")
class SparseImageTest {
    private static final int MIB = 1 << 20;
    private static final int SIZE = 64 * MIB;
    /** 4 MiB of data at 10 MiB of a 64 MiB image: holes before and after the data. */
    private static final int DATA_AT = 10 * MIB;

    private static final int DATA_LENGTH = 4 * MIB;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;
    static Nbdkit nbdkit;
    static Path sparse;

    @BeforeAll
    static void start() throws Exception {
        sparse = sparseImage("sparse.img", SIZE);
        byte[] data = new byte[DATA_LENGTH];
        new Random(18).nextBytes(data);
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.seek(DATA_AT);
            file.write(data);
        }
        sparseImage("dst.img", SIZE);
        sparseImage("qdst.img", SIZE);
        Tools.randomFile(dir, "io.img", 4 * MIB, 19);
        Tools.randomFile(dir, "trim.img", 16 * MIB, 20);
        gateway = GatewayProcess.start(
                dir,
                "src=" + sparse + ",ro",
                "dst=" + dir.resolve("dst.img"),
                "qdst=" + dir.resolve("qdst.img"),
                "io=" + dir.resolve("io.img"),
                "trim=" + dir.resolve("trim.img"));
        if (Tools.onPath("nbdkit")) {
            Path socket = dir.resolve("kit.sock");
            nbdkit = Nbdkit.start(socket, "-r", "file", "file=" + sparse);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (nbdkit != null) {
            nbdkit.close();
        }
    }

    private static Path sparseImage(String name, long size) throws Exception {
        Path path = dir.resolve(name);
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(size);
        }
        return path;
    }

    /** Bytes the file system holds for the file (stat's 512-byte blocks). */
    static long allocated(Path path) throws Exception {
        Tools.Result stat = Tools.run(30, "stat", "-c", "%b", path.toString());
        assertThat(stat.ok()).as(stat.output()).isTrue();
        return Long.parseLong(stat.output().trim()) * 512;
    }

    private static final Pattern EXTENT = Pattern.compile("^\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)", Pattern.MULTILINE);

    /** {@code nbdinfo --map} of a URI as (offset, length, type) triples. */
    static List<long[]> map(String uri) throws Exception {
        Tools.Result map = Tools.run(60, "nbdinfo", "--map", uri);
        assertThat(map.ok()).as(map.output()).isTrue();
        List<long[]> extents = new ArrayList<>();
        Matcher m = EXTENT.matcher(map.output());
        while (m.find()) {
            extents.add(
                    new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        return extents;
    }

    /** Whether every extent that touches [from, to) is a hole that reads as zeroes (type 3). */
    static boolean hole(List<long[]> map, long from, long to) {
        boolean seen = false;
        for (long[] extent : map) {
            if (extent[0] < to && extent[0] + extent[1] > from) {
                seen = true;
                if (extent[2] != 3) {
                    return false;
                }
            }
        }
        return seen;
    }

    @Test
    void nbdinfoMapMatchesNbdkitsFilePlugin() throws Exception {
        Tools.require("nbdinfo", "nbdkit");
        Tools.Result ours = Tools.run(60, "nbdinfo", "--map", gateway.uri("src"));
        Tools.Result theirs = Tools.run(60, "nbdinfo", "--map", "nbd+unix:///?socket=" + dir.resolve("kit.sock"));
        assertThat(ours.ok()).as(ours.output()).isTrue();
        assertThat(theirs.ok()).as(theirs.output()).isTrue();
        assertThat(ours.output()).isEqualTo(theirs.output());
        assertThat(map(gateway.uri("src")))
                .containsExactly(new long[] {0, DATA_AT, 3}, new long[] {DATA_AT, DATA_LENGTH, 0}, new long[] {
                    DATA_AT + DATA_LENGTH, SIZE - DATA_AT - DATA_LENGTH, 3
                });
    }

    @Test
    void nbdinfoSeesTheFeaturesAFileExportOffers() throws Exception {
        Tools.require("nbdinfo");
        Tools.Result info = Tools.run(30, "nbdinfo", gateway.uri("dst"));
        assertThat(info.ok()).as(info.output()).isTrue();
        assertThat(info.output())
                .contains(
                        "can_cache: true",
                        "can_fast_zero: true",
                        "can_trim: true",
                        "can_zero: true",
                        "base:allocation");
    }

    @Test
    void nbdcopyIntoTheGatewayLeavesHolesUnallocated() throws Exception {
        Tools.require("nbdcopy");
        Tools.Result in = Tools.run(120, "nbdcopy", "--flush", sparse.toString(), gateway.uri("dst"));
        assertThat(in.ok()).as(in.output()).isTrue();
        Path dst = dir.resolve("dst.img");
        assertThat(Files.mismatch(sparse, dst)).isEqualTo(-1);
        assertThat(allocated(dst)).isLessThanOrEqualTo(allocated(sparse) + MIB);
    }

    @Test
    void nbdcopyOutOfTheGatewayFollowsBlockStatus() throws Exception {
        Tools.require("nbdcopy");
        Path back = dir.resolve("nbdcopy-back.img");
        // --sparse=0: nbdcopy does not look for zeroes itself, so only block status can leave holes.
        Tools.Result out = Tools.run(120, "nbdcopy", "--sparse=0", gateway.uri("src"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(sparse, back)).isEqualTo(-1);
        assertThat(allocated(back)).isLessThanOrEqualTo(allocated(sparse) + MIB);
    }

    @Test
    void qemuImgConvertKeepsTheImageSparseBothWays() throws Exception {
        Tools.require("qemu-img");
        Tools.Result in = Tools.run(
                120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", sparse.toString(), gateway.uri("qdst"));
        assertThat(in.ok()).as(in.output()).isTrue();
        Path qdst = dir.resolve("qdst.img");
        assertThat(allocated(qdst)).isLessThanOrEqualTo(allocated(sparse) + MIB);
        Tools.Result compare =
                Tools.run(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", sparse.toString(), gateway.uri("qdst"));
        assertThat(compare.exitCode()).as(compare.output()).isZero();

        Path back = dir.resolve("qemu-back.raw");
        Tools.Result out =
                Tools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", gateway.uri("src"), back.toString());
        assertThat(out.ok()).as(out.output()).isTrue();
        assertThat(Files.mismatch(sparse, back)).isEqualTo(-1);
        assertThat(allocated(back)).isLessThanOrEqualTo(allocated(sparse) + MIB);
        // What qemu-img sees of the holes through the gateway is what it sees on the file itself.
        assertThat(qemuMap(gateway.uri("src"))).isEqualTo(qemuMap(sparse.toString()));
    }

    private static final Pattern QEMU_EXTENT =
            Pattern.compile("\"start\": (\\d+), \"length\": (\\d+),.*?\"zero\": (true|false), \"data\": (true|false)");

    /** {@code qemu-img map --output=json} as (start, length, zero, data), without host offsets. */
    private static List<String> qemuMap(String image) throws Exception {
        Tools.Result map = Tools.run(60, "qemu-img", "map", "--output=json", "-f", "raw", image);
        assertThat(map.ok()).as(map.output()).isTrue();
        List<String> extents = new ArrayList<>();
        Matcher m = QEMU_EXTENT.matcher(map.output());
        while (m.find()) {
            extents.add(m.group(1) + "+" + m.group(2) + " zero=" + m.group(3) + " data=" + m.group(4));
        }
        assertThat(extents).as(map.output()).isNotEmpty();
        return extents;
    }

    @Test
    void qemuIoDiscardAndWriteZeroesReachTheFile() throws Exception {
        Tools.require("qemu-io", "nbdinfo");
        Path io = dir.resolve("io.img");
        byte[] original = Files.readAllBytes(io);
        // -d unmap: let discard and write -z -u through to the export (qemu-io ignores them otherwise).
        Tools.Result run = Tools.run(
                120,
                "qemu-io",
                "-f",
                "raw",
                "-d",
                "unmap",
                "-c",
                "discard 0 1M",
                "-c",
                "write -z 1M 1M",
                "-c",
                "write -z -u 2M 1M",
                "-c",
                "read -P 0 1M 2M",
                gateway.uri("io"));
        assertThat(run.ok()).as(run.output()).isTrue();
        assertThat(run.output()).doesNotContain("failed", "Pattern verification");
        List<long[]> map = map(gateway.uri("io"));
        assertThat(hole(map, 0, MIB))
                .as("discard punched a hole: %s", run.output())
                .isTrue();
        assertThat(hole(map, 2 * MIB, 3 * MIB)).as("write -z -u punched a hole").isTrue();
        byte[] now = Files.readAllBytes(io);
        assertThat(Arrays.copyOfRange(now, MIB, 3 * MIB)).isEqualTo(new byte[2 * MIB]);
        assertThat(Arrays.copyOfRange(now, 3 * MIB, 4 * MIB)).isEqualTo(Arrays.copyOfRange(original, 3 * MIB, 4 * MIB));
    }

    @Test
    void fioTrimmingFreesTheBlocks() throws Exception {
        Tools.require("fio");
        Path trim = dir.resolve("trim.img");
        long before = allocated(trim);
        Tools.Result fio = Tools.run(
                120,
                "fio",
                "--name=trim",
                "--ioengine=nbd",
                "--uri=" + gateway.uri("trim"),
                "--rw=randtrim",
                "--bs=64k",
                "--iodepth=8",
                "--size=16M");
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).contains("err= 0");
        assertThat(allocated(trim)).as(fio.output()).isLessThanOrEqualTo(before - 12L * MIB);
        assertThat(Files.readAllBytes(trim)).isEqualTo(new byte[16 * MIB]);
    }
}
