package io.sluice.sim;

/**
 * How a simulated gateway misbehaves. Each gateway has exactly one mode for its whole life, so a test can tell what a
 * monitor did to the well-behaved gateways apart from what it did to the others.
 */
public enum FaultMode {
    /** Behaves like a correct gateway. */
    NONE("none"),
    /** Answers each POLL {@code slowDelay} late (THROTTLE_ACK and HEARTBEAT stay on time). */
    SLOW("slow"),
    /** Authenticates, then sends nothing at all: no STATS, no THROTTLE_ACK, no HEARTBEAT. A hung gateway. */
    SILENT("silent"),
    /**
     * Answers a few polls, then sends one corrupt frame instead of STATS and waits for the monitor to close the
     * connection (or closes it itself after the handshake timeout); reconnects and does it again.
     */
    MALFORMED("malformed"),
    /** Drops its connection every {@code disconnectPeriod} of session and reconnects at once. */
    DISCONNECT("disconnect"),
    /** Answers the challenge with a key that is not its own, so it is refused; retries with backoff. */
    WRONG_KEY("wrong-key");

    private final String label;

    FaultMode(String label) {
        this.label = label;
    }

    /** The name used on the command line ({@code --fault slow=0.01}) and in summaries. */
    public String label() {
        return label;
    }

    /** The mode with this label, or null. */
    public static FaultMode fromLabel(String label) {
        for (FaultMode mode : values()) {
            if (mode.label.equals(label)) {
                return mode;
            }
        }
        return null;
    }
}
