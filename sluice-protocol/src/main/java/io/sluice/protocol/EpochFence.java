package io.sluice.protocol;

/**
 * The newest fencing epoch a gateway has seen, and the check that keeps it from obeying an older one: a server that
 * lost its lease but does not know it yet must not undo what the new active set (ThrottleSetDescriptor, docs/design.md
 * "Gateways follow the active"). Epochs come from AUTH_RESULT ACCEPTED and THROTTLE_SET, which only a monitor that
 * proved its certificate (TLS) can send; STANDBY never moves the fence.
 *
 * <p>Kept for the gateway process's lifetime, not on disk: a restarted gateway takes the first epoch it meets. That
 * leaves fencing to the lease itself for that one gateway, which is enough, since an active that lost its lease stops
 * within the lease's safety margin; the fence is the second line, for the gateways that saw the new active first. One
 * fence per gateway, used by its link's thread alone.
 */
public final class EpochFence {
    private long highest;

    /**
     * Whether a monitor at {@code epoch} may be obeyed: not older than the newest seen, which it then becomes if newer.
     * Epochs are 0..2^63-1 (a decoder refuses others); 0 is a server not in a pair.
     */
    public boolean admit(long epoch) {
        if (epoch < highest) {
            return false;
        }
        highest = epoch;
        return true;
    }

    /** The newest epoch seen, 0 before any. */
    public long highest() {
        return highest;
    }
}
