package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.DEFAULT_PREFERRED_BLOCK;
import static io.sluice.gateway.nbd.NbdDescriptor.EXTENT_LENGTH;
import static io.sluice.gateway.nbd.NbdDescriptor.MAX_PAYLOAD;
import static io.sluice.gateway.nbd.NbdDescriptor.STATE_HOLE;
import static io.sluice.gateway.nbd.NbdDescriptor.STATE_ZERO;

import io.sluice.gateway.nbd.NbdError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * A regular file or a block device, served with positional I/O ({@code pread}/{@code pwrite} via
 * {@link FileChannel#read(ByteBuffer, long)}), so the dispatcher threads share one channel without locking. All
 * connections go through the same channel and the kernel's page cache, so a completed write is visible to every
 * connection and {@code fsync} covers all of them.
 *
 * <p>Through a {@link NativeFile} on the same file: TRIM punches a hole (fallocate PUNCH_HOLE, so a sparse file gets
 * its space back), WRITE_ZEROES punches one too or, with NO_HOLE, zeroes the range in place (ZERO_RANGE, which keeps it
 * allocated); only where the file system can do neither are zeroes written, which FAST_ZERO refuses with ENOTSUP. Block
 * status comes from SEEK_DATA/SEEK_HOLE, CACHE is posix_fadvise WILLNEED. A file system that refuses a mode once is not
 * asked again.
 *
 * <p>On a block device the kernel punches only where the device zeroes without writing (else EOPNOTSUPP), ZERO_RANGE
 * may fall back to writing zeroes (so it never counts as fast there), and both take whole logical blocks only: the
 * partial blocks at the ends of a TRIM are left alone (it is advisory), those of a WRITE_ZEROES are written. Every
 * extent of a device reads as allocated data: see {@link #blockStatus}.
 */
public final class FileBackend implements Backend {
    /** Zeroes are written in pieces of this size from one shared, never-written buffer. */
    private static final int ZERO_CHUNK = 1 << 20;

    private static final ByteBuffer ZEROES =
            ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final Path path;
    private final FileChannel channel;
    /** Null where the native calls are unavailable: then TRIM does nothing and zeroes are written. */
    private final NativeFile file;

    private final long size;
    private final boolean readOnly;
    /** Null for a regular file. */
    private final BlockDeviceGeometry device;

    private volatile boolean punchRefused;
    private volatile boolean zeroRangeRefused;

    private FileBackend(
            Path path, FileChannel channel, NativeFile file, long size, boolean readOnly, BlockDeviceGeometry device) {
        this.path = path;
        this.channel = channel;
        this.file = file;
        this.size = size;
        this.readOnly = readOnly;
        this.device = device;
    }

    /** Opens {@code path}; read-only when asked to or when the file cannot be opened for writing. */
    public static FileBackend open(Path path, boolean readOnly) throws IOException {
        Set<StandardOpenOption> options = readOnly
                ? EnumSet.of(StandardOpenOption.READ)
                : EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel channel = FileChannel.open(path, options);
        try {
            long size = channel.size();
            BlockDeviceGeometry device = Files.isRegularFile(path) ? null : BlockDeviceGeometry.of(path);
            // Older JDKs report 0 for a block device; ask the kernel instead.
            if (size == 0 && device != null) {
                size = device.sizeBytes();
            }
            return new FileBackend(path, channel, NativeFile.open(path, readOnly), size, readOnly, device);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public int minimumBlockSize() {
        return 1;
    }

    @Override
    public int preferredBlockSize() {
        return DEFAULT_PREFERRED_BLOCK;
    }

    @Override
    public int maximumBlockSize() {
        return MAX_PAYLOAD;
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        try {
            long at = offset;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, at);
                if (n < 0) {
                    // The file shrank under us: the export's size promises zeroes up to the end.
                    while (dst.hasRemaining()) {
                        dst.put((byte) 0);
                    }
                    break;
                }
                at += n;
            }
            return NbdError.OK;
        } catch (IOException e) {
            return NbdError.EIO;
        }
    }

    @Override
    public int write(long offset, ByteBuffer src, boolean fua) {
        try {
            long at = offset;
            while (src.hasRemaining()) {
                at += channel.write(src, at);
            }
            return fua ? flush() : NbdError.OK;
        } catch (IOException e) {
            return errorOf(e);
        }
    }

    @Override
    public int flush() {
        try {
            channel.force(false);
            return NbdError.OK;
        } catch (IOException e) {
            return NbdError.EIO;
        }
    }

    @Override
    public int trim(long offset, long length, boolean fua) {
        // Advisory: where holes cannot be punched, leaving the data is a valid answer; so is leaving
        // the partial logical blocks at the ends of a range on a device, which cannot punch them.
        long from = device == null ? offset : device.alignUp(offset);
        long to = device == null ? offset + length : device.alignDown(offset + length);
        if (to <= from) {
            return NbdError.OK;
        }
        int rc = punch(from, to - from);
        if (rc < 0 && !refusal(rc)) {
            return errorOf(-rc);
        }
        return rc == 0 && fua ? flush() : NbdError.OK;
    }

    @Override
    public int writeZeroes(long offset, long length, boolean fua, boolean noHole, boolean fastOnly) {
        long end = offset + length;
        // A device zeroes whole logical blocks in place; the partial ones at the ends (less than a block
        // each, whatever the length, so still fast) are written, after the middle so that a refused
        // FAST_ZERO changes nothing.
        long from = device == null ? offset : Math.min(device.alignUp(offset), end);
        long to = device == null ? end : Math.max(device.alignDown(end), from);
        int rc = to > from ? zeroInPlace(from, to - from, noHole, fastOnly) : NbdError.OK;
        if (rc == NbdError.OK && from > offset) {
            rc = writeZeroBytes(offset, from - offset);
        }
        if (rc == NbdError.OK && end > to) {
            rc = writeZeroBytes(to, end - to);
        }
        return rc == NbdError.OK && fua ? flush() : rc;
    }

    /** Punches, or zeroes in place, or (unless {@code fastOnly}) writes zeroes; no flush. */
    private int zeroInPlace(long offset, long length, boolean noHole, boolean fastOnly) {
        int rc = noHole ? -NativeFile.EOPNOTSUPP : punch(offset, length);
        if (refusal(rc)) {
            // ZERO_RANGE on a block device may write the zeroes itself: fast only on a file.
            if (fastOnly && device != null) {
                return NbdError.ENOTSUP;
            }
            rc = zeroRange(offset, length);
        }
        if (rc == 0) {
            return NbdError.OK;
        }
        if (!refusal(rc)) {
            return errorOf(-rc);
        }
        return fastOnly ? NbdError.ENOTSUP : writeZeroBytes(offset, length);
    }

    /** PUNCH_HOLE|KEEP_SIZE: 0, -errno, or -EOPNOTSUPP when it cannot be done here. */
    private int punch(long offset, long length) {
        if (file == null || punchRefused) {
            return -NativeFile.EOPNOTSUPP;
        }
        int rc = file.fallocate(NativeFile.FALLOC_FL_PUNCH_HOLE | NativeFile.FALLOC_FL_KEEP_SIZE, offset, length);
        if (refusal(rc)) {
            punchRefused = true;
        }
        return rc;
    }

    /** ZERO_RANGE|KEEP_SIZE: the range reads as zeroes and stays allocated. */
    private int zeroRange(long offset, long length) {
        if (file == null || zeroRangeRefused) {
            return -NativeFile.EOPNOTSUPP;
        }
        int rc = file.fallocate(NativeFile.FALLOC_FL_ZERO_RANGE | NativeFile.FALLOC_FL_KEEP_SIZE, offset, length);
        if (refusal(rc)) {
            zeroRangeRefused = true;
        }
        return rc;
    }

    /** The file system (or device) does not do that fallocate mode at all. */
    private static boolean refusal(int rc) {
        return rc == -NativeFile.EOPNOTSUPP || rc == -NativeFile.ENOSYS;
    }

    private int writeZeroBytes(long offset, long length) {
        try {
            long at = offset;
            long left = length;
            while (left > 0) {
                ByteBuffer zeroes = ZEROES.duplicate();
                zeroes.limit((int) Math.min(left, ZERO_CHUNK));
                while (zeroes.hasRemaining()) {
                    int n = channel.write(zeroes, at);
                    at += n;
                    left -= n;
                }
            }
            return NbdError.OK;
        } catch (IOException e) {
            return errorOf(e);
        }
    }

    @Override
    public boolean canFastZero() {
        return file != null && !readOnly;
    }

    @Override
    public boolean canCache() {
        return file != null;
    }

    @Override
    public int cache(long offset, long length) {
        // Readahead is a hint: the kernel starts reading and the reply need not wait for it.
        return file == null || file.willNeed(offset, length) == 0 ? NbdError.OK : NbdError.EIO;
    }

    /**
     * Alternating data and hole extents from SEEK_DATA/SEEK_HOLE: holes read as zeroes (HOLE|ZERO), data is reported
     * allocated and of unknown content, as nbdkit's file plugin does. Past the end of a file shorter than the export
     * (it shrank) is a hole too: reads return zeroes there.
     *
     * <p>A block device is all allocated data, always. Linux has no call that tells which blocks of a device are mapped
     * or read as zeroes: lseek on a device treats it as one extent of data, BLKDISCARDZEROES and
     * queue/discard_zeroes_data read 0 on every device since 4.12, and write_zeroes_unmap_max_bytes says what the
     * device can do, not what it holds. Remembering the ranges this gateway zeroed would be lost at a restart and blind
     * to every other writer of the device, and a ZERO flag that is wrong makes qemu-img and nbdcopy skip real data.
     * nbdkit's file plugin and QEMU's host_device driver answer the same.
     */
    @Override
    public int blockStatus(long offset, long length, ByteBuffer extents) {
        if (file == null || device != null) {
            return Backend.super.blockStatus(offset, length, extents);
        }
        long end = offset + length;
        long at = offset;
        while (at < end && extents.remaining() >= EXTENT_LENGTH) {
            long data = file.seek(at, NativeFile.SEEK_DATA);
            if (data == -NativeFile.ENXIO) {
                data = end;
            } else if (data < 0) {
                // The protocol allows reporting what cannot be looked up as allocated.
                extents.putInt((int) (end - at)).putInt(0);
                break;
            }
            long next;
            int flags;
            if (data > at) {
                next = Math.min(data, end);
                flags = STATE_HOLE | STATE_ZERO;
            } else {
                long hole = file.seek(at, NativeFile.SEEK_HOLE);
                next = hole > at ? Math.min(hole, end) : end;
                flags = 0;
            }
            extents.putInt((int) (next - at)).putInt(flags);
            at = next;
        }
        return NbdError.OK;
    }

    private static int errorOf(IOException e) {
        String message = e.getMessage();
        return message != null && (message.contains("No space") || message.contains("quota"))
                ? NbdError.ENOSPC
                : NbdError.EIO;
    }

    /** proto.md: ENOSPC for a full file system, a quota, a file too large; EIO for the rest. */
    private static int errorOf(int errno) {
        return errno == NativeFile.ENOSPC || errno == NativeFile.EDQUOT || errno == NativeFile.EFBIG
                ? NbdError.ENOSPC
                : NbdError.EIO;
    }

    @Override
    public Space space() {
        if (device != null) {
            return new Space(size, size);
        }
        try {
            FileStore store = Files.getFileStore(path);
            return new Space(store.getTotalSpace(), store.getTotalSpace() - store.getUnallocatedSpace());
        } catch (IOException e) {
            return new Space(size, -1);
        }
    }

    @Override
    public String describe() {
        return (device == null ? "file " : "device ") + path + (readOnly ? " (read-only)" : "");
    }

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a channel we only read and wrote through: nothing left to lose.
        }
    }
}
