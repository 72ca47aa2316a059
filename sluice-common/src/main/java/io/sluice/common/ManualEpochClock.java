package io.sluice.common;

/** An {@link EpochClock} that moves only when told to; for deterministic tests of timed logic. */
public final class ManualEpochClock implements EpochClock {
    private volatile long now;

    public ManualEpochClock(long startMillis) {
        this.now = startMillis;
    }

    @Override
    public long epochMillis() {
        return now;
    }

    public void advance(long millis) {
        now += millis;
    }

    public void set(long millis) {
        now = millis;
    }
}
