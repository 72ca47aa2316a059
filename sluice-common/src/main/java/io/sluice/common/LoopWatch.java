package io.sluice.common;

import java.util.concurrent.TimeUnit;

/**
 * What a role knows about one of its own loop threads: whether it still runs, why it stopped, and when it last went
 * round its loop. The thread calls {@link #turn()} once per turn (a volatile write); a supervising check calls
 * {@link #problem}, so a thread that died or hangs makes the role unhealthy instead of silently stranding the work it
 * owned.
 */
public final class LoopWatch {
    private final String name;
    private volatile Thread thread;
    private volatile long lastTurnNanos = System.nanoTime();
    private volatile Throwable death;

    public LoopWatch(String name) {
        this.name = name;
    }

    /** A platform thread named after the loop that runs {@code loop}, watched from here on; not started. */
    public Thread newThread(Runnable loop) {
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            try {
                loop.run();
            } catch (Throwable e) {
                death = e;
                throw e;
            }
        });
        this.thread = t;
        return t;
    }

    /** The watched thread went round its loop once. */
    public void turn() {
        lastTurnNanos = System.nanoTime();
    }

    public String name() {
        return name;
    }

    /** What ended the watched thread by escaping its loop, or null while it runs or if it ended normally. */
    public Throwable failure() {
        return death;
    }

    /**
     * Null while the thread runs and turned within {@code stallNanos}; otherwise what is wrong, for a log line and the
     * role's exit. A loop that blocks by design (an accept) is checked with {@link Long#MAX_VALUE}.
     */
    public String problem(long nowNanos, long stallNanos) {
        Thread t = thread;
        if (t == null) {
            return null;
        }
        if (!t.isAlive()) {
            Throwable cause = death;
            return name + " stopped" + (cause == null ? "" : ": " + cause);
        }
        long idle = nowNanos - lastTurnNanos;
        if (idle > stallNanos) {
            return name + " has not turned its loop for " + TimeUnit.NANOSECONDS.toMillis(idle) + " ms";
        }
        return null;
    }
}
