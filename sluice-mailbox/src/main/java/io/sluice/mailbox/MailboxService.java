package io.sluice.mailbox;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.SignalIdleStrategy;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link MailboxCallee} on its own platform thread: poll, and when there is nothing to do spin for a bounded
 * time, then sleep in the kernel on the request doorbell. An idle service therefore uses no CPU except one wake-up per
 * {@link #IDLE_WAIT_NANOS} for its heartbeat and recovery sweep. An {@link Agent} on an {@link AgentRunner} with a
 * {@link SignalIdleStrategy} over the doorbell's futex wait; {@link #start()} starts it, a test may turn it by hand.
 */
public final class MailboxService implements Agent, AutoCloseable {
    static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(MailboxCallee.HEARTBEAT_INTERVAL_MS);
    public static final long DEFAULT_SPIN_NANOS = 50_000;
    private static final int BATCH = 64;

    private final MailboxCallee callee;
    private final RequestHandler handler;
    private final String name;
    private final AgentRunner runner;
    private volatile Throwable failure;
    private volatile long loopErrors;

    /**
     * @param spinNanos how long to keep polling after the last request before sleeping; 0 sleeps at once (lowest CPU, a
     *     kernel wake-up per call), larger values trade CPU for latency
     */
    public MailboxService(MailboxCallee callee, RequestHandler handler, long spinNanos, String name) {
        this.callee = callee;
        this.handler = handler;
        this.name = name;
        this.runner = new AgentRunner(
                this,
                new SignalIdleStrategy(
                        spinNanos,
                        IDLE_WAIT_NANOS,
                        callee::awaitRequests,
                        () -> callee.mailbox().requestDoorbell().ring()),
                callee.mailbox().clock());
    }

    public MailboxService start() {
        runner.start();
        return this;
    }

    /** One turn: up to 64 calls, then the callee's heartbeat and recovery sweep; returns the calls taken. */
    @Override
    public int doWork(long nowMillis) {
        try {
            int work = callee.poll(handler, BATCH);
            callee.doHousekeeping();
            return work;
        } catch (RuntimeException e) {
            // Bad data in the shared file must not stop the service: note it and go on.
            failure = e;
            loopErrors++;
            return 0;
        }
    }

    @Override
    public String roleName() {
        return name;
    }

    public MailboxCallee callee() {
        return callee;
    }

    /** The error that stopped the loop, else the last one it survived, if any. */
    public Throwable failure() {
        Throwable fatal = runner.failure();
        return fatal != null ? fatal : failure;
    }

    /** Errors the loop survived (e.g. from a corrupted slot); each is also the latest {@link #failure()}. */
    public long loopErrors() {
        return loopErrors;
    }

    public boolean isRunning() {
        return runner.isRunning();
    }

    /** Stops the loop (ringing the doorbell it may sleep on), joins it for at most 5 s and closes the callee. */
    @Override
    public void close() {
        runner.closeKeepingInterrupt();
        callee.close();
    }
}
