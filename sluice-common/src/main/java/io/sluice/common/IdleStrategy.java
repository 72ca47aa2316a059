package io.sluice.common;

/**
 * What an {@link AgentRunner} does between turns. {@link #idle(int)} is called after every turn with the work it did:
 * work done resets any back-off and returns at once, no work waits a little (spinning, yielding, parking or sleeping on
 * a signal, by implementation). Implementations keep per-thread state: one instance per runner.
 */
public interface IdleStrategy {
    /** After a turn that did {@code workCount} units of work. */
    void idle(int workCount);

    /** Forget any back-off: the next idle turn starts with the shortest wait. */
    default void reset() {}

    /**
     * Cut a wait in progress short (called from another thread as the runner closes); a no-op where waits are short.
     */
    default void wake() {}

    /** Spins: lowest latency, a whole core. */
    static IdleStrategy busySpin() {
        return work -> {
            if (work <= 0) {
                Thread.onSpinWait();
            }
        };
    }

    /** Gives the core to another thread when idle: low latency, still a core's worth of scheduling. */
    static IdleStrategy yielding() {
        return work -> {
            if (work <= 0) {
                Thread.yield();
            }
        };
    }
}
