package io.sluice.common;

/**
 * One loop's work, split into turns that a caller drives: an {@link AgentRunner} on a thread of its own in production,
 * a test by hand on a {@link ManualEpochClock}. A turn does what is due and returns, saying how much it did, so the
 * runner's {@link IdleStrategy} waits only when there was nothing to do. Every method is called on the one thread that
 * owns the agent.
 */
public interface Agent {
    /**
     * One turn of the loop at {@code nowMillis} (the runner's {@link EpochClock}); returns the work done (calls taken,
     * replies read, messages sent), 0 when there was nothing to do.
     */
    int doWork(long nowMillis);

    /** Before the first turn, on the agent's thread. */
    default void onStart() {}

    /** After the last turn (or instead of any, for an agent never started), on the thread that owned the agent. */
    default void onClose() {}

    /** The loop's name: its thread's and its {@link LoopWatch}'s. */
    String roleName();
}
