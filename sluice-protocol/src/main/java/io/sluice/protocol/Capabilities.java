package io.sluice.protocol;

/**
 * Bits of HELLO's capabilities word: what the gateway's QoS scheduler can enforce, so the analyzer does not send a
 * parameter the gateway would ignore (it acknowledges such a volume as UNSUPPORTED). Bits a receiver does not know are
 * ignored: a newer gateway may announce more than an older monitor knows.
 */
public final class Capabilities {
    /** Separate read and write limits (otherwise only the totals). */
    public static final long SPLIT_READ_WRITE = 1;
    /** Burst rate and burst length. */
    public static final long BURST = 1 << 1;
    /** I/O size normalization: a large I/O counts as several operations. */
    public static final long SIZE_NORMALIZATION = 1 << 2;
    /** Reservations: guaranteed minimum IOPS and bandwidth. */
    public static final long RESERVATION = 1 << 3;
    /** Weights: proportional shares of spare capacity. */
    public static final long WEIGHT = 1 << 4;
    /** Latency targets used to order queued I/O. */
    public static final long LATENCY_TARGET = 1 << 5;
    /**
     * What a Sluice gateway of this version announces, and the simulator with it: everything but latency targets. The
     * services take a gateway they have not heard announce itself to enforce this much.
     */
    public static final long SLUICE_GATEWAY = SPLIT_READ_WRITE | BURST | SIZE_NORMALIZATION | RESERVATION | WEIGHT;

    private Capabilities() {}

    public static boolean has(long capabilities, long capability) {
        return (capabilities & capability) == capability;
    }
}
