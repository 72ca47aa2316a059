package io.sluice.testkit;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition that other threads or processes bring about: the condition is polled until it holds or a
 * bound passes. The bound is a generous ceiling against a hang, never a judgement of speed: tests share loaded
 * machines, so a test that fails because something took long has judged the machine, not the code.
 */
public final class Await {
    /**
     * How often a condition is asked: soon enough that a test goes on shortly after it holds, seldom enough that the
     * asking (often a mailbox call or a process's status) leaves the CPU to what is awaited.
     */
    public static final long POLL_MILLIS = 20;

    private Await() {}

    /** Returns once {@code condition} holds; an {@link AssertionError} once {@code timeoutMillis} pass without it. */
    public static void until(long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        until("condition", timeoutMillis, condition, () -> "");
    }

    /** As {@link #until(long, BooleanSupplier)}, the failure naming {@code what} was awaited. */
    public static void until(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        until(what, timeoutMillis, condition, () -> "");
    }

    /** As {@link #until(long, BooleanSupplier)}, the failure also saying what {@code state} describes at the time. */
    public static void until(long timeoutMillis, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        until("condition", timeoutMillis, condition, state);
    }

    /**
     * As {@link #until(String, long, BooleanSupplier)}, the failure also saying what {@code state} describes at the
     * time (what was seen instead), so a failed run explains itself.
     */
    public static void until(String what, long timeoutMillis, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        if (!within(timeoutMillis, POLL_MILLIS, condition)) {
            String seen = state.get();
            throw new AssertionError(
                    what + " not met within " + timeoutMillis + " ms" + (seen.isEmpty() ? "" : ": " + seen));
        }
    }

    /**
     * Polls {@code condition} every {@code pollMillis} until it holds (true) or {@code timeoutMillis} have passed
     * (false, after one last look): for callers that report a timeout their own way, a benchmark among them.
     */
    public static boolean within(long timeoutMillis, long pollMillis, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(pollMillis);
        }
        return true;
    }
}
