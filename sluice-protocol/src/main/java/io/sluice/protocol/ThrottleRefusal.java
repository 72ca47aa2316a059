package io.sluice.protocol;

/**
 * Why a gateway refuses one volume's THROTTLE_SET parameters, or null when it applies them: the one rule that a real
 * gateway and the simulator both follow, so a set the simulator takes is a set a real gateway takes.
 *
 * <ul>
 *   <li>{@link ThrottleAckStatus#UNSUPPORTED}: a parameter the gateway did not announce in HELLO's capabilities word (a
 *       latency target, per-direction limits, a burst, size normalization, a reservation, a weight other than the
 *       default). 0 in a field means none, so it is never unsupported.
 *   <li>{@link ThrottleAckStatus#INVALID}: a contradiction: a negative bandwidth, a size normalization above 2 GiB, a
 *       reservation above the limit it lives under.
 * </ul>
 *
 * A total limit and per-direction limits together are not a contradiction: the services send the total they allocate
 * and the SLA's per-direction ceilings within it, and an I/O waits for both buckets (the longer wait wins). QEMU asks a
 * user for one or the other, a rule for people writing a configuration, not for a controller.
 */
public final class ThrottleRefusal {
    private ThrottleRefusal() {}

    public static ThrottleAckStatus of(ThrottleParamsFlyweight p, long capabilities) {
        if (p.bandwidthLimit() < 0
                || p.readBandwidthLimit() < 0
                || p.writeBandwidthLimit() < 0
                || p.burstBandwidth() < 0
                || p.reservedBandwidth() < 0
                || p.sizeNormalizationBytes() > Integer.MAX_VALUE) {
            return ThrottleAckStatus.INVALID;
        }
        if (p.iopsLimit() != 0 && p.reservedIops() > p.iopsLimit()) {
            return ThrottleAckStatus.INVALID;
        }
        if (p.bandwidthLimit() != 0 && p.reservedBandwidth() > p.bandwidthLimit()) {
            return ThrottleAckStatus.INVALID;
        }
        if (unsupported(p.latencyTargetMicros() != 0, capabilities, Capabilities.LATENCY_TARGET)
                || unsupported(
                        p.readIopsLimit() != 0
                                || p.writeIopsLimit() != 0
                                || p.readBandwidthLimit() != 0
                                || p.writeBandwidthLimit() != 0,
                        capabilities,
                        Capabilities.SPLIT_READ_WRITE)
                || unsupported(p.burstIops() != 0 || p.burstBandwidth() != 0, capabilities, Capabilities.BURST)
                || unsupported(p.sizeNormalizationBytes() != 0, capabilities, Capabilities.SIZE_NORMALIZATION)
                || unsupported(
                        p.reservedIops() != 0 || p.reservedBandwidth() != 0, capabilities, Capabilities.RESERVATION)
                || unsupported(p.weight() > 1, capabilities, Capabilities.WEIGHT)) {
            return ThrottleAckStatus.UNSUPPORTED;
        }
        return null;
    }

    private static boolean unsupported(boolean used, long capabilities, long capability) {
        return used && !Capabilities.has(capabilities, capability);
    }
}
