package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.testkit.Nbdkit;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block device (a loop device over a 64 MiB sparse image holding 4 MiB of data) behind the gateway, with the tools of
 * SparseImageTest: block status says every extent is allocated data, as nbdkit's file plugin says on the same device
 * (Linux cannot tell which blocks of a device hold data, see FileBackend#blockStatus); copies out of it are exact; TRIM
 * and WRITE_ZEROES reach the device, aligned or not, and read back as zeroes while the bytes around them stay.
 */
@Tag("system")
class BlockDeviceTest {
    private static final int MIB = 1 << 20;
    private static final int SIZE = 64 * MIB;
    private static final int DATA_AT = 10 * MIB;
    private static final int DATA_LENGTH = 4 * MIB;

    @TempDir
    static Path dir;

    static Path image;
    static String device;
    static GatewayProcess gateway;
    static Nbdkit nbdkit;

    @BeforeAll
    static void attach() throws Exception {
        Tools.require("losetup", "nbdinfo", "nbdkit", "nbdcopy", "qemu-img", "qemu-io");
        image = dir.resolve("disk.img");
        byte[] data = new byte[DATA_LENGTH];
        new Random(18).nextBytes(data);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(SIZE);
            file.seek(DATA_AT);
            file.write(data);
        }
        Tools.Result attached = Tools.run(30, "losetup", "--find", "--show", image.toString());
        assumeTrue(attached.ok(), "no loop device to serve (losetup needs root): " + attached.output());
        device = attached.output().trim();
        gateway = GatewayProcess.start(dir, "dev=" + device);
        Path socket = dir.resolve("kit.sock");
        nbdkit = Nbdkit.start(socket, "-r", "file", "file=" + device);
    }

    @AfterAll
    static void detach() throws Exception {
        if (nbdkit != null) {
            nbdkit.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (device != null) {
            Tools.run(30, "losetup", "--detach", device);
        }
    }

    @Test
    void nbdinfoMapSaysAllDataAsNbdkitsFilePluginDoes() throws Exception {
        Tools.Result ours = Tools.run(60, "nbdinfo", "--map", gateway.uri("dev"));
        Tools.Result theirs = Tools.run(60, "nbdinfo", "--map", "nbd+unix:///?socket=" + dir.resolve("kit.sock"));
        assertThat(ours.ok()).as(ours.output()).isTrue();
        assertThat(theirs.ok()).as(theirs.output()).isTrue();
        assertThat(ours.output()).isEqualTo(theirs.output());
        assertThat(SparseImageTest.map(gateway.uri("dev"))).containsExactly(new long[] {0, SIZE, 0});
        // Still offered, so clients ask instead of guessing.
        Tools.Result info = Tools.run(30, "nbdinfo", gateway.uri("dev"));
        assertThat(info.output()).as(info.output()).contains("base:allocation", "can_trim: true", "can_zero: true");
    }

    @Test
    void copiesOutOfTheDeviceAreExact() throws Exception {
        Path converted = dir.resolve("converted.raw");
        Tools.Result convert = Tools.run(
                120, "qemu-img", "convert", "-f", "raw", "-O", "raw", gateway.uri("dev"), converted.toString());
        assertThat(convert.ok()).as(convert.output()).isTrue();
        Tools.Result compare = Tools.run(
                120, "qemu-img", "compare", "-f", "raw", "-F", "raw", gateway.uri("dev"), converted.toString());
        assertThat(compare.exitCode()).as(compare.output()).isZero();
        assertThat(compare.output()).contains("Images are identical");

        Path copied = dir.resolve("copied.raw");
        Tools.Result copy = Tools.run(120, "nbdcopy", gateway.uri("dev"), copied.toString());
        assertThat(copy.ok()).as(copy.output()).isTrue();
        assertThat(Files.mismatch(converted, copied)).isEqualTo(-1);
        assertThat(Arrays.copyOfRange(Files.readAllBytes(copied), DATA_AT, DATA_AT + DATA_LENGTH))
                .isEqualTo(readDevice(DATA_AT, DATA_LENGTH));
    }

    @Test
    void trimAndWriteZeroesReachTheDeviceAlignedOrNot() throws Exception {
        // The data of the image, overwritten from qemu-io; unaligned ranges straddle 512-byte sectors.
        int base = DATA_AT;
        byte[] before = readDevice(base, 4 * MIB);
        assertThat(before).as("the range starts as random data").isNotEqualTo(new byte[4 * MIB]);
        // -d unmap: let discard and write -z -u through to the export (qemu-io ignores them otherwise).
        Tools.Result run = Tools.run(
                120,
                "qemu-io",
                "-f",
                "raw",
                "-d",
                "unmap",
                "-c",
                "discard " + base + " 1M",
                "-c",
                "write -z " + (base + MIB) + " 1M",
                "-c",
                "write -z -u " + (base + 2 * MIB) + " 512k",
                "-c",
                "write -z " + (base + 3 * MIB + 1000) + " 3000",
                "-c",
                "write -z -u " + (base + 3 * MIB + 10_000) + " 70000",
                "-c",
                "discard " + (base + 3 * MIB + 200_000) + " 7000",
                "-c",
                "read -P 0 " + (base + MIB) + " 512k",
                "-c",
                "read -P 0 " + (base + 3 * MIB + 1000) + " 3000",
                "-c",
                "flush",
                gateway.uri("dev"));
        assertThat(run.ok()).as(run.output()).isTrue();
        assertThat(run.output()).doesNotContain("failed", "Pattern verification");

        byte[] after = readDevice(base, 4 * MIB);
        assertThat(slice(after, 0, MIB))
                .as("the loop device zeroes what it discards")
                .isEqualTo(new byte[MIB]);
        assertThat(slice(after, MIB, 2 * MIB + 512 * 1024)).isEqualTo(new byte[MIB + 512 * 1024]);
        assertThat(slice(after, 2 * MIB + 512 * 1024, 3 * MIB))
                .as("past the last write -z -u")
                .isEqualTo(slice(before, 2 * MIB + 512 * 1024, 3 * MIB));
        assertThat(slice(after, 3 * MIB, 3 * MIB + 1000)).isEqualTo(slice(before, 3 * MIB, 3 * MIB + 1000));
        assertThat(slice(after, 3 * MIB + 1000, 3 * MIB + 4000)).isEqualTo(new byte[3000]);
        assertThat(slice(after, 3 * MIB + 4000, 3 * MIB + 10_000))
                .isEqualTo(slice(before, 3 * MIB + 4000, 3 * MIB + 10_000));
        assertThat(slice(after, 3 * MIB + 10_000, 3 * MIB + 80_000))
                .as("unaligned at both ends")
                .isEqualTo(new byte[70_000]);
        assertThat(slice(after, 3 * MIB + 80_000, 3 * MIB + 200_000))
                .isEqualTo(slice(before, 3 * MIB + 80_000, 3 * MIB + 200_000));
        // An unaligned TRIM frees the whole sectors inside it and leaves the partial ones as they were.
        int trimmedFrom = 3 * MIB + 200_192;
        int trimmedTo = 3 * MIB + 206_848;
        assertThat(slice(after, 3 * MIB + 200_000, trimmedFrom))
                .isEqualTo(slice(before, 3 * MIB + 200_000, trimmedFrom));
        assertThat(slice(after, trimmedFrom, trimmedTo)).isEqualTo(new byte[trimmedTo - trimmedFrom]);
        assertThat(slice(after, trimmedTo, 4 * MIB)).isEqualTo(slice(before, trimmedTo, 4 * MIB));
        // And the gateway still reports allocated data: no promise it cannot keep.
        assertThat(SparseImageTest.map(gateway.uri("dev"))).containsExactly(new long[] {0, SIZE, 0});
    }

    @Test
    void nbdcopyIntoTheDeviceWritesItsDataAndItsZeroes() throws Exception {
        // The device as it is, with new data at 50 MiB and a run of zeroes over old data at 12 MiB, which
        // nbdcopy sends as (fast) zeroing requests rather than writes.
        byte[] wanted = readDevice(0, SIZE);
        byte[] fresh = new byte[2 * MIB];
        new Random(50).nextBytes(fresh);
        System.arraycopy(fresh, 0, wanted, 50 * MIB, fresh.length);
        Arrays.fill(wanted, 12 * MIB, 13 * MIB, (byte) 0);
        Path source = Files.write(dir.resolve("source.raw"), wanted);
        Tools.Result copy = Tools.run(120, "nbdcopy", "--flush", source.toString(), gateway.uri("dev"));
        assertThat(copy.ok()).as(copy.output()).isTrue();
        assertThat(Arrays.equals(readDevice(0, SIZE), wanted))
                .as("the device holds the source")
                .isTrue();
    }

    @Test
    void aTrimOfTheDeviceGivesTheLoopFileItsSpaceBack() throws Exception {
        int at = 40 * MIB;
        Tools.Result written = Tools.run(
                120, "qemu-io", "-f", "raw", "-c", "write -P 0x3c " + at + " 4M", "-c", "flush", gateway.uri("dev"));
        assertThat(written.ok()).as(written.output()).isTrue();
        long full = SparseImageTest.allocated(image);
        Tools.Result trimmed = Tools.run(
                120,
                "qemu-io",
                "-f",
                "raw",
                "-d",
                "unmap",
                "-c",
                "discard " + at + " 4M",
                "-c",
                "flush",
                gateway.uri("dev"));
        assertThat(trimmed.ok()).as(trimmed.output()).isTrue();
        // The loop driver turns the device's unmapping zeroout into a hole punched in its backing file.
        assertThat(SparseImageTest.allocated(image)).isLessThanOrEqualTo(full - 3L * MIB);
        assertThat(readDevice(at, 4 * MIB)).isEqualTo(new byte[4 * MIB]);
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        return Arrays.copyOfRange(bytes, from, to);
    }

    private static byte[] readDevice(long offset, int length) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(Path.of(device), StandardOpenOption.READ)) {
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                // keep reading until full
            }
        }
        return buffer.array();
    }
}
