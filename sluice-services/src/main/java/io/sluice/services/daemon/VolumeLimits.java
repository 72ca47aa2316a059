package io.sluice.services.daemon;

import io.sluice.services.inventory.VolumeTracker;

/**
 * How much per-volume state the services keep ({@link VolumeTracker}): at most {@code maxVolumes} volumes, and a
 * gateway silent on a volume for {@code expiryMillis} no longer serves it.
 */
public record VolumeLimits(int maxVolumes, long expiryMillis) {
    public static final VolumeLimits DEFAULT =
            new VolumeLimits(VolumeTracker.DEFAULT_MAX_VOLUMES, VolumeTracker.DEFAULT_EXPIRY_MILLIS);

    public VolumeLimits {
        if (maxVolumes < 1) {
            throw new IllegalArgumentException("max volumes must be at least 1, was " + maxVolumes);
        }
        if (expiryMillis < 1_000) {
            throw new IllegalArgumentException("volume expiry must be at least 1000 ms, was " + expiryMillis);
        }
    }
}
