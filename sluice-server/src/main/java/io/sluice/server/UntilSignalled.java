package io.sluice.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For a command that runs until SIGTERM or Ctrl-C: the signal ends the command's loop, and the JVM
 * waits (up to a grace period) until the command has closed what it opened, in order, before it exits.
 */
final class UntilSignalled implements AutoCloseable {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    UntilSignalled(long graceMillis) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(graceMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    /** Waits up to {@code millis} (0 or less: until signalled); true once the process has been told to stop. */
    boolean awaitStop(long millis) throws InterruptedException {
        return stop.await(millis > 0 ? millis : Long.MAX_VALUE, TimeUnit.MILLISECONDS);
    }

    /** The command has closed everything: the JVM may exit. */
    @Override
    public void close() {
        stopped.countDown();
    }
}
