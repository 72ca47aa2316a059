package io.sluice.sim;

/** How the simulated gateways name and number their volumes (each proposes ids; the monitor assigns them). */
public enum VolumeIds {
    /** One set of volumes on many paths: every gateway serves vol-1..vol-K, flagged shared, proposing ids 1..K. */
    SHARED,
    /**
     * Each gateway its own volumes, proposing ids {@code (id - 1) x K + 1 .. (id - 1) x K + K}, as on a planned site.
     */
    DISTINCT,
    /** Each gateway its own volumes, all proposing ids 1..K, as gateways left at their default settings do. */
    DEFAULT
}
