package io.sluice.db;

import java.time.Duration;

/** How long each resolution of performance history is kept. */
public record Retention(Duration seconds, Duration minutes, Duration hours) {
    public static final Retention DEFAULT =
            new Retention(Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(730));

    public Retention {
        if (seconds.isNegative()
                || seconds.isZero()
                || minutes.compareTo(seconds) < 0
                || hours.compareTo(minutes) < 0) {
            throw new IllegalArgumentException("retention must be positive and grow with the resolution: " + seconds
                    + ", " + minutes + ", " + hours);
        }
    }
}
