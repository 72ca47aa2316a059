package io.sluice.gateway.qos;

/** A {@link NanoClock} that moves only when told to. */
final class ManualNanoClock implements NanoClock {
    private long now;

    @Override
    public long nanoTime() {
        return now;
    }

    void advance(long nanos) {
        now += nanos;
    }
}
