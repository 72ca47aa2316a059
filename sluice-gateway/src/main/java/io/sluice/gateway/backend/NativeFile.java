package io.sluice.gateway.backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * A second file descriptor on a backend's file, for the Linux calls the JDK does not expose, made through the FFM API:
 * fallocate(2) to punch holes and zero ranges, lseek(2) with SEEK_DATA/SEEK_HOLE to find them, posix_fadvise(2) to read
 * ahead. Data still goes through the backend's FileChannel; both descriptors reach the same inode, so its page cache
 * and fsync cover what either does. lseek moves this descriptor's offset, which nothing else uses, so concurrent
 * callers need no lock.
 *
 * <p>Calls return 0 (or the offset) on success and a negative errno on failure; errno is captured into a segment per
 * thread, so a call allocates nothing. Unavailable ({@link #AVAILABLE} false) off Linux x86-64/aarch64 or when native
 * access is refused: the backend then does without.
 */
final class NativeFile implements AutoCloseable {
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EFBIG = 27;
    static final int ENOSPC = 28;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;
    static final int EDQUOT = 122;

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_WILLNEED = 3;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle LSEEK;
    private static final MethodHandle FADVISE;
    private static final VarHandle ERRNO;
    private static final StructLayout CAPTURED;
    /** Where each thread's calls leave errno; allocated once per thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE;

    static final boolean AVAILABLE;

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle fallocate = null;
        MethodHandle lseek = null;
        MethodHandle fadvise = null;
        VarHandle errno = null;
        StructLayout captured = null;
        boolean ok = false;
        String arch = System.getProperty("os.arch", "");
        if (System.getProperty("os.name", "").startsWith("Linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errnoCapture = Linker.Option.captureCallState("errno");
                captured = Linker.Option.captureStateLayout();
                errno = captured.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                ValueLayout.OfInt i = ValueLayout.JAVA_INT;
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
                open = linker.downcallHandle(
                        libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(i, ValueLayout.ADDRESS, i, i),
                        errnoCapture,
                        Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(i, i));
                fallocate = linker.downcallHandle(
                        libc.find("fallocate").orElseThrow(), FunctionDescriptor.of(i, i, i, l, l), errnoCapture);
                lseek = linker.downcallHandle(
                        libc.find("lseek").orElseThrow(), FunctionDescriptor.of(l, i, l, i), errnoCapture);
                // posix_fadvise returns the error number itself and leaves errno alone.
                fadvise = linker.downcallHandle(
                        libc.find("posix_fadvise").orElseThrow(), FunctionDescriptor.of(i, i, l, l, i));
                ok = true;
            } catch (Throwable e) {
                ok = false;
            }
        }
        OPEN = open;
        CLOSE = close;
        FALLOCATE = fallocate;
        LSEEK = lseek;
        FADVISE = fadvise;
        ERRNO = errno;
        CAPTURED = captured;
        CALL_STATE = ok ? ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURED)) : null;
        AVAILABLE = ok;
    }

    private final int fd;
    private volatile boolean closed;

    private NativeFile(int fd) {
        this.fd = fd;
    }

    /** Opens {@code path} for reading, and writing unless {@code readOnly}; null when the calls are unavailable. */
    static NativeFile open(Path path, boolean readOnly) throws IOException {
        if (!AVAILABLE) {
            return null;
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(path.toString());
            MemorySegment state = arena.allocate(CAPTURED);
            fd = (int) OPEN.invokeExact(state, name, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("open " + path + " failed: errno " + errno(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("open " + path + " failed", e);
        }
        return new NativeFile(fd);
    }

    /** fallocate(2) with {@code mode} (FALLOC_FL_*); 0 or -errno. Retried when interrupted. */
    int fallocate(int mode, long offset, long length) {
        MemorySegment state = CALL_STATE.get();
        try {
            while (true) {
                int rc = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
                if (rc == 0) {
                    return 0;
                }
                int errno = errno(state);
                if (errno != EINTR) {
                    return -errno;
                }
            }
        } catch (Throwable e) {
            throw new IllegalStateException("fallocate failed", e);
        }
    }

    /** lseek(2) with {@code whence} SEEK_DATA or SEEK_HOLE: the offset found, or -errno (ENXIO: none). */
    long seek(long offset, int whence) {
        MemorySegment state = CALL_STATE.get();
        try {
            long at = (long) LSEEK.invokeExact(state, fd, offset, whence);
            return at >= 0 ? at : -errno(state);
        } catch (Throwable e) {
            throw new IllegalStateException("lseek failed", e);
        }
    }

    /** posix_fadvise(2) WILLNEED: asynchronous readahead of the range; 0 or the error number. */
    int willNeed(long offset, long length) {
        try {
            return (int) FADVISE.invokeExact(fd, offset, length, POSIX_FADV_WILLNEED);
        } catch (Throwable e) {
            throw new IllegalStateException("posix_fadvise failed", e);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Closes the descriptor once; callers have stopped using it (the export drained its requests). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            // A descriptor that fails to close loses nothing: every call through it has returned.
        }
    }
}
