package io.sluice.common;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link Agent} on a platform thread of its own named after the agent's role: {@link Agent#onStart()}, then
 * turns ({@link Agent#doWork} at the clock's time, then the {@link IdleStrategy}) until {@link #close()}, then
 * {@link Agent#onClose()}, all on that thread. The constructor starts nothing; {@link #start()} does. Each turn stamps
 * the runner's {@link LoopWatch}, and an exception escaping a turn ends the loop and is kept there, so a dead or stuck
 * loop makes its role unhealthy ({@link #problem}) instead of silently stranding the work it owned. An agent that must
 * survive a bad turn catches inside {@code doWork}.
 */
public final class AgentRunner implements AutoCloseable {
    /** How long {@link #close()} waits for the thread to end unless told otherwise. */
    public static final long DEFAULT_JOIN_MILLIS = 5_000;

    private final Agent agent;
    private final IdleStrategy idle;
    private final EpochClock clock;
    private final long joinMillis;
    private final LoopWatch watch;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile Thread thread;

    public AgentRunner(Agent agent, IdleStrategy idle, EpochClock clock) {
        this(agent, idle, clock, DEFAULT_JOIN_MILLIS);
    }

    /** @param joinMillis how long {@link #close()} waits for the thread to end (then leaves it, a daemon thread) */
    public AgentRunner(Agent agent, IdleStrategy idle, EpochClock clock, long joinMillis) {
        this.agent = agent;
        this.idle = idle;
        this.clock = clock;
        this.joinMillis = joinMillis;
        this.watch = new LoopWatch(agent.roleName());
    }

    /** Starts the agent's thread; returns this. A runner starts once. */
    public AgentRunner start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException(agent.roleName() + " was started or closed already");
        }
        Thread t = watch.newThread(this::run);
        thread = t;
        t.start();
        return this;
    }

    private void run() {
        Throwable failure = null;
        try {
            agent.onStart();
            while (running) {
                watch.turn();
                idle.idle(agent.doWork(clock.epochMillis()));
            }
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            try {
                agent.onClose();
            } catch (RuntimeException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    public Agent agent() {
        return agent;
    }

    public String roleName() {
        return agent.roleName();
    }

    /** Whether the agent's thread runs now. */
    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** What ended the loop by escaping a turn (or {@code onStart}), or null. */
    public Throwable failure() {
        return watch.failure();
    }

    /**
     * Null while the loop runs and turned within {@code stallNanos} (or was never started); otherwise what is wrong, as
     * {@link LoopWatch#problem}.
     */
    public String problem(long nowNanos, long stallNanos) {
        return watch.problem(nowNanos, stallNanos);
    }

    /**
     * Cuts the agent's wait between turns short, the one it is in or else its next, so work handed to it from another
     * thread is done at once rather than after the idle strategy's wait; a no-op before {@link #start()}.
     */
    public void wake() {
        idle.wake();
        Thread t = thread;
        if (t != null) {
            // A permit for a park the thread is in or about to enter: a wake between turns is not lost.
            LockSupport.unpark(t);
        }
    }

    /**
     * Stops the loop: no new turn starts, a wait in the idle strategy is cut short, and this waits (bounded) for the
     * thread to end after {@link Agent#onClose()}. A runner never started closes its agent on the caller's thread.
     */
    @Override
    public void close() throws InterruptedException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        Thread t = thread;
        if (t == null) {
            agent.onClose();
            return;
        }
        wake();
        if (t != Thread.currentThread()) {
            t.join(joinMillis);
        }
    }

    /**
     * {@link #close()} for an owner whose own close cannot throw: a caller interrupted while it waits for the thread
     * stops waiting and keeps its interrupt status, for its own caller to see.
     */
    public void closeKeepingInterrupt() {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
