package io.sluice.mailbox;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Linux futex(2) on a 32-bit word of a shared (not process-private) mapping, through the FFM API. Only the two
 * operations the mailbox needs: wait while the word still holds an expected value, and wake waiters. Every failure of a
 * wait (EAGAIN, ETIMEDOUT, EINTR) means "go and look again", so errno is not captured.
 *
 * <p>Unavailable when the platform is not Linux x86-64/aarch64 or native access is refused; waiters then fall back to
 * timed parking, as they do with {@code -Dsluice.mailbox.futex=false}. Ringers still wake futex sleepers whenever the
 * call can be made, so both kinds of waiter mix safely.
 */
final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;

    private static final MethodHandle SYSCALL_BLOCKING;
    private static final MethodHandle SYSCALL_SHORT;
    private static final long SYS_FUTEX;
    /** The futex system call can be made (wakes always use it when it can, whatever waiters do). */
    static final boolean AVAILABLE;
    /** Waiters sleep on the futex; false with {@code -Dsluice.mailbox.futex=false} or where unavailable. */
    static final boolean WAIT_ON_FUTEX;

    static {
        MethodHandle blocking = null;
        MethodHandle shortCall = null;
        long sysFutex = -1;
        boolean ok = false;
        String arch = System.getProperty("os.arch");
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            sysFutex = switch (arch) {
                case "amd64", "x86_64" -> 202;
                case "aarch64" -> 98;
                default -> -1;
            };
            if (sysFutex > 0) {
                try {
                    Linker linker = Linker.nativeLinker();
                    SymbolLookup libc = linker.defaultLookup();
                    MemorySegment syscall = libc.find("syscall").orElseThrow();
                    FunctionDescriptor fd = FunctionDescriptor.of(
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG);
                    blocking = linker.downcallHandle(syscall, fd, Linker.Option.firstVariadicArg(1));
                    // A wake never blocks: skip the thread-state transition that a blocking call needs.
                    shortCall = linker.downcallHandle(
                            syscall, fd, Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));
                    ok = true;
                } catch (Throwable e) {
                    ok = false;
                }
            }
        }
        SYSCALL_BLOCKING = blocking;
        SYSCALL_SHORT = shortCall;
        SYS_FUTEX = sysFutex;
        AVAILABLE = ok;
        WAIT_ON_FUTEX = ok && Boolean.parseBoolean(System.getProperty("sluice.mailbox.futex", "true"));
    }

    private Futex() {}

    /**
     * Sleeps while the int at {@code address} equals {@code expected}, at most {@code timeoutNanos}. {@code timespec}
     * is a 16-byte segment owned by the calling thread.
     */
    static void await(long address, int expected, long timeoutNanos, MemorySegment timespec) {
        timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
        timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        try {
            long ignored = (long) SYSCALL_BLOCKING.invokeExact(
                    SYS_FUTEX, address, (long) FUTEX_WAIT, (long) expected, timespec.address(), 0L, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("futex wait failed", e);
        }
    }

    static void wake(long address, int count) {
        try {
            long ignored =
                    (long) SYSCALL_SHORT.invokeExact(SYS_FUTEX, address, (long) FUTEX_WAKE, (long) count, 0L, 0L, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("futex wake failed", e);
        }
    }

    static MemorySegment newTimespec() {
        return Arena.ofAuto().allocate(16, 8);
    }
}
