package io.sluice.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For a command that runs until SIGTERM or Ctrl-C: the signal ends the command's loop, and the JVM waits (up to a grace
 * period) until the command has closed what it opened, in order, before it exits. A role run by {@code server
 * --single-process} is stopped by that server instead (see {@link InProcessRole}), so the server can stop the roles one
 * by one in reverse order.
 */
final class UntilSignalled implements AutoCloseable {
    private final CountDownLatch stop;
    private final CountDownLatch stopped;

    UntilSignalled(long graceMillis) {
        InProcessRole role = InProcessRole.CURRENT.get();
        if (role != null) {
            stop = role.stop;
            stopped = role.stopped;
            return;
        }
        stop = new CountDownLatch(1);
        stopped = new CountDownLatch(1);
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

    /** The stop handshake of one role running on threads of the single-process server. */
    static final class InProcessRole {
        /** Inherited by every thread the role's command starts, so nested helpers see it too. */
        static final InheritableThreadLocal<InProcessRole> CURRENT = new InheritableThreadLocal<>();

        final CountDownLatch stop = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
    }
}
