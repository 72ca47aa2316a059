package io.sluice.sim;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One loop's counters, one row per {@link FaultMode}. Written by the loop's thread only, so an increment is a plain
 * read and a release store, with no read-modify-write; read by any thread ({@link #addTo}).
 */
final class SimCounters {
    private static final int COUNTERS = SimCounter.values().length;

    private final AtomicLongArray counts = new AtomicLongArray(FaultMode.values().length * COUNTERS);

    void increment(FaultMode mode, SimCounter counter) {
        int index = mode.ordinal() * COUNTERS + counter.ordinal();
        counts.setRelease(index, counts.getPlain(index) + 1);
    }

    /** Adds this loop's counts to {@code totals}, laid out as here: [mode][counter]. */
    void addTo(long[] totals) {
        for (int i = 0; i < totals.length; i++) {
            totals[i] += counts.getAcquire(i);
        }
    }

    static int size() {
        return FaultMode.values().length * COUNTERS;
    }
}
