package io.sluice.services.control;

/**
 * Moves a gateway's limit toward its target in bounded steps, and not at all for a small difference. The dead band
 * keeps jitter in the measurements from turning into a stream of THROTTLE_SETs (and is wider while the change only
 * moves headroom the gateway does not need); the bounds keep one odd interval from swinging a volume from nothing to
 * everything and back, which is how a feedback loop with a one-interval delay starts to oscillate. A rise may double
 * the limit or add half the backend, whichever is more, so a volume reaches any share within two intervals; a cut at
 * most halves it, so protecting a latency objective takes effect at once but a bad sample cannot zero a volume.
 *
 * <p>A gateway that needs more than even its target gets any rise toward it, however small: the rise is capacity
 * allocated to it that it would use at once, not noise in its demand, and holding it back in the dead band leaves the
 * capacity idle while the volume queues (and the capacity estimate, which grows only on load the backend carried, never
 * sees it used). Jitter in the target cannot turn this into a stream of sets: small cuts still wait for the band, so
 * the limit moves only when the target reaches a new high.
 */
final class StepLimiter {
    /** Differences below this share of the current limit are not worth a message. */
    static final double DEAD_BAND = 0.05;
    /**
     * When both the current limit and the target leave the gateway room above what it needs, the change only moves
     * spare headroom around, and a wider band applies.
     */
    static final double HEADROOM_DEAD_BAND = 0.25;

    private StepLimiter() {}

    /**
     * @param current the limit in force, 0 when none was sent yet
     * @param target where the allocation says it should be
     * @param needed what the gateway is estimated to need
     * @param backendCapacity the backend's estimated capacity, bounding a rise
     */
    static long next(long current, long target, double needed, double backendCapacity) {
        if (current == 0) {
            return target;
        }
        boolean headroomOnly = current >= needed && target >= needed;
        boolean wantedRise = needed > target && target > current;
        double band = headroomOnly ? HEADROOM_DEAD_BAND : wantedRise ? 0 : DEAD_BAND;
        if (Math.abs(target - current) <= Math.max(1, band * current)) {
            return current;
        }
        if (target > current) {
            return Math.min(target, current + Math.max(current, (long) (backendCapacity / 2)));
        }
        return Math.max(target, current / 2);
    }
}
