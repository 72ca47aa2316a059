package io.sluice.sim;

/**
 * What a simulated gateway's epoch fence let through, for the simulator's report: the fencing epoch of the last
 * THROTTLE_SET acknowledged as current, and how many were acknowledged although older than one before (0 unless the
 * fence fails). Written by the gateway's loop thread, read by any thread.
 */
final class FenceWatch {
    private volatile long ackedEpoch = -1;
    private volatile long olderEpochAcked;

    /** A THROTTLE_SET of {@code epoch} was acknowledged as current. */
    void acked(long epoch) {
        if (epoch < ackedEpoch) {
            olderEpochAcked++;
        }
        ackedEpoch = epoch;
    }

    /** The epoch of the last set acknowledged as current, -1 before one. */
    long ackedEpoch() {
        return ackedEpoch;
    }

    long olderEpochAcked() {
        return olderEpochAcked;
    }
}
