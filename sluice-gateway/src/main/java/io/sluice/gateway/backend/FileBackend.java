package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.DEFAULT_PREFERRED_BLOCK;
import static io.sluice.gateway.nbd.NbdDescriptor.MAX_PAYLOAD;

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
 * {@link FileChannel#read(ByteBuffer, long)}), so the dispatcher threads share one channel without
 * locking. All connections go through the same channel and the kernel's page cache, so a completed
 * write is visible to every connection and {@code fsync} covers all of them.
 */
public final class FileBackend implements Backend {
    /** Zeroes are written in pieces of this size from one shared, never-written buffer. */
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;

    private FileBackend(Path path, FileChannel channel, long size, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
    }

    /** Opens {@code path}; read-only when asked to or when the file cannot be opened for writing. */
    public static FileBackend open(Path path, boolean readOnly) throws IOException {
        Set<StandardOpenOption> options = readOnly
                ? EnumSet.of(StandardOpenOption.READ)
                : EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel channel = FileChannel.open(path, options);
        try {
            long size = channel.size();
            // Older JDKs report 0 for a block device; ask the kernel instead.
            if (size == 0 && !Files.isRegularFile(path)) {
                size = blockDeviceSize(path);
            }
            return new FileBackend(path, channel, size, readOnly);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static long blockDeviceSize(Path device) throws IOException {
        // /sys/class/block/NAME/size counts 512-byte sectors whatever the device's block size.
        Path real = device.toRealPath();
        Path sectors = Path.of("/sys/class/block", real.getFileName().toString(), "size");
        return Long.parseLong(Files.readString(sectors).trim()) * 512;
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
        // Trim is advisory; punching holes needs fallocate(2), which the JDK does not expose.
        return NbdError.OK;
    }

    @Override
    public int writeZeroes(long offset, long length, boolean fua) {
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
            return fua ? flush() : NbdError.OK;
        } catch (IOException e) {
            return errorOf(e);
        }
    }

    private static int errorOf(IOException e) {
        String message = e.getMessage();
        return message != null && (message.contains("No space") || message.contains("quota"))
                ? NbdError.ENOSPC : NbdError.EIO;
    }

    @Override
    public Space space() {
        if (!Files.isRegularFile(path)) {
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
        return (Files.isRegularFile(path) ? "file " : "device ") + path + (readOnly ? " (read-only)" : "");
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a channel we only read and wrote through: nothing left to lose.
        }
    }
}
