package io.sluice.monitor;

/**
 * How many inbound/outbound thread pairs n gateways need (docs/design.md, "The monitor's thread pairs"):
 * a thread can serve as many gateways in one scheduler time quantum Tthr as fit at the worst per-gateway
 * processing time Tptmax, so pairs = Roundup(n / ((Tthr * 1000) / Tptmax)), and never more than one pair
 * per core.
 */
public final class ThreadPairSizing {
    /** Linux's time slice for a user thread starts around 10 ms. */
    public static final double DEFAULT_QUANTUM_MILLIS = 10.0;

    private ThreadPairSizing() {
    }

    /**
     * @param gateways          n, the gateways to serve
     * @param quantumMillis     Tthr
     * @param maxProcessingMicros Tptmax, the longest one gateway's message took to process (measured)
     * @param cores             the processors available
     */
    public static int pairs(int gateways, double quantumMillis, double maxProcessingMicros, int cores) {
        if (gateways <= 0) {
            return 1;
        }
        double perQuantum = Math.max(1.0, (quantumMillis * 1000.0) / Math.max(maxProcessingMicros, 0.001));
        int wanted = (int) Math.ceil(gateways / perQuantum);
        return Math.max(1, Math.min(cores, wanted));
    }
}
