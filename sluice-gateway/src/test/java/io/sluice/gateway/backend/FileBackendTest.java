package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.EXTENT_LENGTH;
import static io.sluice.gateway.nbd.NbdDescriptor.STATE_HOLE;
import static io.sluice.gateway.nbd.NbdDescriptor.STATE_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.gateway.nbd.NbdError;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file backend's sparse-file calls against the real file system (the test JVM allows native access, as bin/sluice
 * does): what TRIM and WRITE_ZEROES do to the blocks a file holds, and the extents SEEK_DATA/SEEK_HOLE report.
 */
class FileBackendTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A 16 MiB file holding only {@code dataLength} random bytes at {@code dataAt}. */
    private Path sparseFile(String name, int dataAt, int dataLength) throws IOException {
        Path path = dir.resolve(name);
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(16 * MIB);
            byte[] data = new byte[dataLength];
            new Random(dataAt).nextBytes(data);
            file.seek(dataAt);
            file.write(data);
            file.getFD().sync();
        }
        return path;
    }

    /** Bytes the file system holds for the file (stat's blocks, 512 bytes each). */
    private static long allocated(Path path) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b", path.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertThat(stat.waitFor()).as(out).isZero();
        return Long.parseLong(out) * 512;
    }

    private static List<long[]> extents(FileBackend backend, long offset, long length, int room) {
        ByteBuffer extents = ByteBuffer.allocate(room * EXTENT_LENGTH);
        assertThat(backend.blockStatus(offset, length, extents)).isEqualTo(NbdError.OK);
        extents.flip();
        List<long[]> list = new ArrayList<>();
        while (extents.hasRemaining()) {
            list.add(new long[] {extents.getInt() & 0xFFFF_FFFFL, extents.getInt()});
        }
        return list;
    }

    private static byte[] read(FileBackend backend, long offset, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        assertThat(backend.read(offset, buffer)).isEqualTo(NbdError.OK);
        return buffer.array();
    }

    @Test
    void theNativeCallsAreAvailableHere() {
        assertThat(NativeFile.AVAILABLE).as("Linux with native access enabled").isTrue();
    }

    @Test
    void blockStatusReportsHolesAndDataFromTheFileSystem() throws Exception {
        try (FileBackend backend = FileBackend.open(sparseFile("layout.img", 4 * MIB, MIB), false)) {
            assertThat(extents(backend, 0, 16 * MIB, 16))
                    .containsExactly(new long[] {4 * MIB, STATE_HOLE | STATE_ZERO}, new long[] {MIB, 0}, new long[] {
                        11 * MIB, STATE_HOLE | STATE_ZERO
                    });
            assertThat(extents(backend, 5 * MIB - 4096, 8192, 16))
                    .containsExactly(new long[] {4096, 0}, new long[] {4096, STATE_HOLE | STATE_ZERO});
            // Room for one descriptor: one, and the rest of the range is left for the next request.
            assertThat(extents(backend, 0, 16 * MIB, 1)).containsExactly(new long[] {4 * MIB, STATE_HOLE | STATE_ZERO});
        }
    }

    @Test
    void trimPunchesAHoleAndGivesTheSpaceBack() throws Exception {
        Path path = sparseFile("trim.img", 0, 8 * MIB);
        try (FileBackend backend = FileBackend.open(path, false)) {
            long before = allocated(path);
            assertThat(before).isGreaterThanOrEqualTo(8L * MIB);
            assertThat(backend.trim(MIB, 4 * MIB, true)).isEqualTo(NbdError.OK);
            assertThat(allocated(path)).isLessThanOrEqualTo(before - 4L * MIB);
            assertThat(read(backend, MIB, 4 * MIB)).isEqualTo(new byte[4 * MIB]);
            assertThat(extents(backend, 0, 8 * MIB, 16))
                    .containsExactly(
                            new long[] {MIB, 0}, new long[] {4 * MIB, STATE_HOLE | STATE_ZERO}, new long[] {3 * MIB, 0
                            });
            assertThat(Files.size(path)).as("KEEP_SIZE").isEqualTo(16L * MIB);
        }
    }

    @Test
    void writeZeroesPunchesUnlessNoHoleAsksToKeepTheSpace() throws Exception {
        Path path = sparseFile("zero.img", 0, 8 * MIB);
        try (FileBackend backend = FileBackend.open(path, false)) {
            long before = allocated(path);
            assertThat(backend.writeZeroes(0, 2 * MIB, false, true, false)).isEqualTo(NbdError.OK);
            assertThat(read(backend, 0, 2 * MIB)).isEqualTo(new byte[2 * MIB]);
            assertThat(allocated(path)).as("NO_HOLE keeps the blocks").isGreaterThanOrEqualTo(before);
            assertThat(backend.writeZeroes(2 * MIB, 2 * MIB, false, false, false))
                    .isEqualTo(NbdError.OK);
            assertThat(read(backend, 2 * MIB, 2 * MIB)).isEqualTo(new byte[2 * MIB]);
            assertThat(allocated(path)).as("a punched hole").isLessThanOrEqualTo(before - 2L * MIB);
            assertThat(read(backend, 4 * MIB, 4096)).isNotEqualTo(new byte[4096]);
        }
    }

    @Test
    void fastZeroSucceedsWhereTheFileSystemZeroesWithoutWriting() throws Exception {
        Path path = sparseFile("fast.img", 0, 4 * MIB);
        try (FileBackend backend = FileBackend.open(path, false)) {
            assertThat(backend.canFastZero()).isTrue();
            assertThat(backend.writeZeroes(0, MIB, true, false, true)).isEqualTo(NbdError.OK);
            assertThat(read(backend, 0, MIB)).isEqualTo(new byte[MIB]);
        }
    }

    /**
     * tmpfs punches holes but has no ZERO_RANGE: NO_HOLE then writes zeroes, and FAST_ZERO with NO_HOLE is refused at
     * once with ENOTSUP, leaving the data as it was.
     */
    @Test
    void whereTheFileSystemCannotZeroInPlaceFastZeroIsRefused() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm (tmpfs) here");
        Path path = Files.createTempFile(shm, "sluice-filebackend", ".img");
        try {
            byte[] data = new byte[MIB];
            new Random(5).nextBytes(data);
            Files.write(path, data);
            try (FileBackend backend = FileBackend.open(path, false)) {
                assertThat(backend.writeZeroes(0, 64 << 10, false, true, true)).isEqualTo(NbdError.ENOTSUP);
                assertThat(read(backend, 0, 64 << 10)).isEqualTo(Arrays.copyOf(data, 64 << 10));
                assertThat(backend.writeZeroes(0, 64 << 10, false, true, false)).isEqualTo(NbdError.OK);
                assertThat(read(backend, 0, 64 << 10)).isEqualTo(new byte[64 << 10]);
                assertThat(backend.writeZeroes(64 << 10, 64 << 10, false, false, true))
                        .isEqualTo(NbdError.OK);
                assertThat(read(backend, 64 << 10, 64 << 10)).isEqualTo(new byte[64 << 10]);
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void cacheIsAdviceThatSucceeds() throws Exception {
        try (FileBackend backend = FileBackend.open(sparseFile("cache.img", 0, MIB), true)) {
            assertThat(backend.canCache()).isTrue();
            assertThat(backend.canFastZero()).as("read-only").isFalse();
            assertThat(backend.cache(0, 16 * MIB)).isEqualTo(NbdError.OK);
        }
    }
}
