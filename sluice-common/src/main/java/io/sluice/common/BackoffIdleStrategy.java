package io.sluice.common;

import java.util.concurrent.locks.LockSupport;

/**
 * Idles in three stages, each idle turn a step further: {@code maxSpins} spins, then {@code maxYields} yields, then
 * parks starting at {@code minParkNanos} and doubling up to {@code maxParkNanos}. A turn with work starts over. A park
 * ends early when the thread is unparked, as {@link AgentRunner#wake()} and {@link AgentRunner#close()} do. With no
 * spins, no yields and equal bounds it is a fixed pause between turns.
 */
public final class BackoffIdleStrategy implements IdleStrategy {
    private final long maxSpins;
    private final long maxYields;
    private final long minParkNanos;
    private final long maxParkNanos;
    private long spins;
    private long yields;
    private long parkNanos;

    public BackoffIdleStrategy(long maxSpins, long maxYields, long minParkNanos, long maxParkNanos) {
        if (maxSpins < 0 || maxYields < 0 || minParkNanos < 1 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("back-off needs spins, yields >= 0 and 1 <= minPark <= maxPark, not "
                    + maxSpins + ", " + maxYields + ", " + minParkNanos + ", " + maxParkNanos);
        }
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNanos = minParkNanos;
        this.maxParkNanos = maxParkNanos;
        this.parkNanos = minParkNanos;
    }

    /** A fixed pause of {@code nanos} after every turn without work. */
    public static BackoffIdleStrategy fixedPause(long nanos) {
        return new BackoffIdleStrategy(0, 0, nanos, nanos);
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
            return;
        }
        if (spins < maxSpins) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < maxYields) {
            yields++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(this, parkNanos);
            parkNanos = Math.min(parkNanos * 2, maxParkNanos);
        }
    }

    /** The park the next idle turn would take if past its spins and yields; for tests of the bounds. */
    long nextParkNanos() {
        return parkNanos;
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNanos = minParkNanos;
    }
}
