package io.sluice.common;

/**
 * When an agent's step that runs once an interval is next due. A turn late by more than an interval runs the step once,
 * not once per interval missed, and the next is an interval after that turn. The agent's thread only.
 */
public final class PeriodicStep {
    private final long intervalMillis;
    private long dueAt;

    public PeriodicStep(long intervalMillis, long firstDueAt) {
        this.intervalMillis = intervalMillis;
        this.dueAt = firstDueAt;
    }

    /** Whether the step is due at {@code nowMillis}; when it is, the next falls an interval later. */
    public boolean due(long nowMillis) {
        if (nowMillis < dueAt) {
            return false;
        }
        dueAt = nowMillis + intervalMillis;
        return true;
    }
}
