package io.sluice.sim;

import java.util.SplittableRandom;

/**
 * A simulated gateway's reconnect delays: from the minimum, doubled with each failure in a row up to the maximum, each
 * given or take 20% so gateways that failed together do not all come back together. Seeded per gateway, so a run
 * repeats; its loop's thread only.
 */
final class SimBackoff {
    private final SimTimings timings;
    private final SplittableRandom random;
    private int failuresInARow;

    SimBackoff(SimTimings timings, SplittableRandom random) {
        this.timings = timings;
        this.random = random;
    }

    /** The delay after one more failure in a row. */
    long next() {
        int doublings = Math.min(failuresInARow, 20);
        failuresInARow++;
        return jitter(Math.min(timings.backoffMaxMillis(), timings.backoffMinMillis() << doublings));
    }

    /** A session opened: the next failure waits the minimum again. */
    void reset() {
        failuresInARow = 0;
    }

    /** {@code millis} give or take 20%. */
    long jitter(long millis) {
        return Math.max(1, (long) (millis * (0.8 + 0.4 * random.nextDouble())));
    }
}
