package io.sluice.mailbox;

import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link MailboxCallee} on its own platform thread: poll, and when there is nothing to do spin for a bounded
 * time, then sleep in the kernel on the request doorbell. An idle service therefore uses no CPU except one wake-up per
 * {@link #IDLE_WAIT_NANOS} for its heartbeat and recovery sweep.
 */
public final class MailboxService implements AutoCloseable {
    static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(MailboxCallee.HEARTBEAT_INTERVAL_MS);
    public static final long DEFAULT_SPIN_NANOS = 50_000;
    private static final int BATCH = 64;

    private final MailboxCallee callee;
    private final RequestHandler handler;
    private final long spinNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile long loopErrors;

    /**
     * @param spinNanos how long to keep polling after the last request before sleeping; 0 sleeps at once (lowest CPU, a
     *     kernel wake-up per call), larger values trade CPU for latency
     */
    public MailboxService(MailboxCallee callee, RequestHandler handler, long spinNanos, String name) {
        this.callee = callee;
        this.handler = handler;
        this.spinNanos = spinNanos;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
    }

    public MailboxService start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            long idleSince = 0;
            while (running) {
                int work;
                try {
                    work = callee.poll(handler, BATCH);
                    callee.doHousekeeping();
                } catch (RuntimeException e) {
                    // Bad data in the shared file must not stop the service: note it and go on.
                    failure = e;
                    loopErrors++;
                    work = 0;
                }
                if (work > 0) {
                    idleSince = 0;
                    continue;
                }
                long now = System.nanoTime();
                if (idleSince == 0) {
                    idleSince = now;
                }
                if (now - idleSince < spinNanos) {
                    Thread.onSpinWait();
                } else {
                    callee.awaitRequests(IDLE_WAIT_NANOS);
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    public MailboxCallee callee() {
        return callee;
    }

    /** The last error the loop survived or the one that stopped it, if any. */
    public Throwable failure() {
        return failure;
    }

    /** Errors the loop survived (e.g. from a corrupted slot); each is also the latest {@link #failure()}. */
    public long loopErrors() {
        return loopErrors;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        callee.mailbox().requestDoorbell().ring();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        callee.close();
    }
}
