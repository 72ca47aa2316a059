package io.sluice.services.control;

/** One gateway's view of one volume. */
final class PathState {
    final long gatewayId;
    VolumeSample sample;
    int queueDepth;
    int silentIntervals;
    double demand;
    ThrottleParams sent;
    /** False once the set sent was reported undelivered: the next interval sends it again, changed or not. */
    boolean delivered = true;

    PathState(long gatewayId) {
        this.gatewayId = gatewayId;
    }

    long currentLimit() {
        return sent == null ? 0 : sent.iopsLimit();
    }
}
