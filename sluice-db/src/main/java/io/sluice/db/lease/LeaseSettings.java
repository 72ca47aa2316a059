package io.sluice.db.lease;

/**
 * How a server holds the lease.
 *
 * @param holder the name the row shows while this server holds the lease: what a standby tells gateways (the active's
 *     monitor address) and status shows
 * @param durationMillis how long the lease lasts past a renewal, by the database's clock
 * @param safetyMarginMillis how long, by the holder's own monotonic clock from the start of its last successful
 *     renewal, it keeps acting without a newer one; shorter than the duration, so the holder stops before a standby can
 *     take over. The difference covers the rate at which the two clocks may drift apart over one duration and what the
 *     holder already sent when it stops
 * @param retryEveryMillis how often the holder renews and a standby tries to take the lease; less than the margin, so a
 *     renewal or two may fail without losing the lease
 */
public record LeaseSettings(String holder, long durationMillis, long safetyMarginMillis, long retryEveryMillis) {
    public static final long DEFAULT_DURATION_MILLIS = 5_000;
    public static final long DEFAULT_SAFETY_MARGIN_MILLIS = 3_000;
    public static final long DEFAULT_RETRY_EVERY_MILLIS = 1_000;

    public LeaseSettings {
        if (holder == null || holder.isBlank() || holder.length() > 255) {
            throw new IllegalArgumentException("lease holder: a name of 1 to 255 characters, got " + holder);
        }
        if (retryEveryMillis <= 0 || safetyMarginMillis <= retryEveryMillis || durationMillis <= safetyMarginMillis) {
            throw new IllegalArgumentException("lease timing: need 0 < retry (" + retryEveryMillis
                    + " ms) < safety margin (" + safetyMarginMillis + " ms) < duration (" + durationMillis + " ms)");
        }
    }

    public static LeaseSettings defaults(String holder) {
        return new LeaseSettings(
                holder, DEFAULT_DURATION_MILLIS, DEFAULT_SAFETY_MARGIN_MILLIS, DEFAULT_RETRY_EVERY_MILLIS);
    }
}
