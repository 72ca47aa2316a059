package io.sluice.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Identifies a process across pid reuse: its pid together with its start time (in clock ticks since boot, field 22 of
 * {@code /proc/PID/stat}). Both are packed into one non-zero {@code long} token so a token fits in a single word of
 * shared memory that can be compared-and-set atomically.
 *
 * <pre>
 *  63            42 41                                   0
 * +----------------+--------------------------------------+
 * |  pid (22 bits) |  start time, clock ticks (42 bits)    |
 * +----------------+--------------------------------------+
 * </pre>
 *
 * Linux caps pid_max at 2^22, and 2^42 ticks at 100 Hz is over a thousand years of uptime.
 */
public final class ProcessIdentity {
    private static final int START_BITS = 42;
    private static final long START_MASK = (1L << START_BITS) - 1;
    private static final long PID_LIMIT = 1L << (64 - START_BITS);

    private static final ProcessIdentity CURRENT = ofPid(ProcessHandle.current().pid());

    private final long pid;
    private final long startTicks;

    private ProcessIdentity(long pid, long startTicks) {
        this.pid = pid;
        this.startTicks = startTicks;
    }

    public static ProcessIdentity current() {
        return CURRENT;
    }

    /** The identity of a running process, or {@code startTicks == 0} when it cannot be read. */
    public static ProcessIdentity ofPid(long pid) {
        return new ProcessIdentity(pid, readStartTicks(pid));
    }

    public long pid() {
        return pid;
    }

    public long startTicks() {
        return startTicks;
    }

    public long token() {
        return toToken(pid, startTicks);
    }

    public static long toToken(long pid, long startTicks) {
        if (pid <= 0 || pid >= PID_LIMIT) {
            throw new IllegalArgumentException("pid out of range: " + pid);
        }
        return (pid << START_BITS) | (startTicks & START_MASK);
    }

    public static long pidOf(long token) {
        return token >>> START_BITS;
    }

    public static long startTicksOf(long token) {
        return token & START_MASK;
    }

    /**
     * Whether the process a token names is still running: same pid and same start time. A token whose pid now belongs
     * to a younger process is dead. Where /proc cannot be read (not Linux), falls back to {@link ProcessHandle}, which
     * cannot tell pid reuse apart.
     */
    public static boolean isAlive(long token) {
        if (token == 0) {
            return false;
        }
        long pid = pidOf(token);
        if (pid == CURRENT.pid) {
            return startTicksOf(token) == (CURRENT.startTicks & START_MASK);
        }
        long start = readStartTicks(pid);
        if (start < 0) {
            return false;
        }
        if (start == 0) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        return (start & START_MASK) == startTicksOf(token);
    }

    /** Start ticks of a pid; -1 when the process does not exist, 0 when /proc is unavailable. */
    static long readStartTicks(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.isDirectory(Path.of("/proc/self"))) {
            return 0;
        }
        String line;
        try {
            line = Files.readString(stat, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return -1;
        }
        // Field 2 (comm) may contain spaces and parentheses: count fields after the last ')'.
        int close = line.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        String[] rest = line.substring(close + 2).split(" ");
        // rest[0] is field 3 (state); field 22 (starttime) is rest[19]. A zombie counts as dead.
        if (rest.length < 20 || rest[0].equals("Z") || rest[0].equals("X")) {
            return -1;
        }
        return Long.parseLong(rest[19]);
    }

    @Override
    public String toString() {
        return "pid " + pid + " (start " + startTicks + ")";
    }
}
