package io.sluice.services.control;

/**
 * An operator's limit on one volume until {@code expiresAt} (epoch milliseconds): IOPS and/or bandwidth (bytes per
 * second), 0 meaning none on that dimension. {@code id} is the database's, so a cancel names the throttle it ends.
 */
public record ManualThrottle(
        long id,
        int volumeId,
        long iopsLimit,
        long bandwidthLimit,
        String setBy,
        long setAt,
        long expiresAt,
        String reason) {

    public boolean inForce(long now) {
        return now < expiresAt;
    }
}
