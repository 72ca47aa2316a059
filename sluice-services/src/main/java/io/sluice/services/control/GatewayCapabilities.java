package io.sluice.services.control;

import io.sluice.protocol.Capabilities;
import java.util.HashMap;
import java.util.Map;

/**
 * What each gateway's scheduler enforces, from the capabilities word of its HELLO that the monitor passes on with its
 * volumes (SERVICES_GATEWAY_VOLUMES), so a parameter set carries nothing the gateway would refuse: a gateway refuses a
 * set whole (UNSUPPORTED) and keeps no limit of it, so one unenforceable field would leave the volume unthrottled
 * there.
 *
 * <p>The services' loop thread only. One entry per gateway that opened a session since the services started: bounded by
 * the fleet.
 */
public final class GatewayCapabilities {
    private final Map<Long, Long> byGateway = new HashMap<>();

    /** The gateway's announced capabilities (every part of an announcement carries the same word). */
    public void announced(long gatewayId, long capabilities) {
        byGateway.put(gatewayId, capabilities);
    }

    /**
     * The gateway's capabilities; for a gateway the services have not heard announce itself (they started after its
     * session opened, so its announcement went to their predecessor), what every Sluice gateway announces. One that
     * announces less is masked once its announcement comes.
     */
    public long of(long gatewayId) {
        Long announced = byGateway.get(gatewayId);
        return announced == null ? Capabilities.SLUICE_GATEWAY : announced;
    }

    /** {@code params} without what a gateway with {@code capabilities} cannot enforce (those fields 0: none). */
    static ThrottleParams enforceable(ThrottleParams params, long capabilities) {
        boolean split = Capabilities.has(capabilities, Capabilities.SPLIT_READ_WRITE);
        boolean burst = Capabilities.has(capabilities, Capabilities.BURST);
        boolean reservation = Capabilities.has(capabilities, Capabilities.RESERVATION);
        return new ThrottleParams(
                params.volumeId(),
                params.version(),
                Capabilities.has(capabilities, Capabilities.WEIGHT) ? params.weight() : 0,
                params.iopsLimit(),
                split ? params.readIopsLimit() : 0,
                split ? params.writeIopsLimit() : 0,
                reservation ? params.reservedIops() : 0,
                burst ? params.burstIops() : 0,
                burst ? params.burstLengthMillis() : 0,
                Capabilities.has(capabilities, Capabilities.SIZE_NORMALIZATION) ? params.sizeNormalizationBytes() : 0,
                Capabilities.has(capabilities, Capabilities.LATENCY_TARGET) ? params.latencyTargetMicros() : 0,
                params.bandwidthLimit(),
                split ? params.readBandwidthLimit() : 0,
                split ? params.writeBandwidthLimit() : 0,
                reservation ? params.reservedBandwidth() : 0,
                burst ? params.burstBandwidth() : 0);
    }
}
