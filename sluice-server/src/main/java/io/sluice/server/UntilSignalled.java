package io.sluice.server;

import io.sluice.common.ExitCode;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * For a command that runs until SIGTERM or Ctrl-C: the signal ends the command's loop, and the JVM waits (up to a grace
 * period) until the command has closed what it opened, in order, before it exits. A role run by {@code server
 * --single-process} is stopped by that server instead (see {@link InProcessRole}), so the server can stop the roles one
 * by one in reverse order.
 */
final class UntilSignalled implements AutoCloseable {
    private final CountDownLatch stop;
    private final CountDownLatch stopped;
    /** How often {@link #watch} checks a role's health. */
    private static final long HEALTH_CHECK_MILLIS = 1_000;

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

    /**
     * Watches a role until the process is told to stop, checking once a second: a role with a problem (non-null from
     * {@code problem}) stops with {@link ExitCode#UNHEALTHY}, said on stderr after {@code unhealthy}, so that its
     * supervisor starts it afresh; every {@code statusEveryMillis} (0 or less: never) {@code status} prints its line.
     */
    int watch(String unhealthy, Supplier<String> problem, long statusEveryMillis, Runnable status)
            throws InterruptedException {
        long nextStatus = System.currentTimeMillis() + statusEveryMillis;
        while (!awaitStop(HEALTH_CHECK_MILLIS)) {
            String why = problem.get();
            if (why != null) {
                System.err.println(unhealthy + ": " + why);
                return ExitCode.UNHEALTHY;
            }
            if (statusEveryMillis > 0 && System.currentTimeMillis() >= nextStatus) {
                nextStatus += statusEveryMillis;
                status.run();
            }
        }
        return ExitCode.OK;
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
