package io.sluice.services.daemon;

import io.sluice.services.control.ThrottleParams;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The IOPS limit last sent per volume and gateway: what the dashboard calls the throttle level, and what each sample
 * forwarded to the database manager carries. The services' loop writes it; query and status readers on other threads
 * read it, hence the concurrent maps.
 */
final class SentIopsLimits {
    private final Map<Integer, Map<Long, Long>> limits = new ConcurrentHashMap<>();

    /** The sets about to be sent to gateway {@code gatewayId}. */
    void sent(long gatewayId, List<ThrottleParams> sets) {
        for (ThrottleParams set : sets) {
            limits.computeIfAbsent(set.volumeId(), v -> new ConcurrentHashMap<>())
                    .put(gatewayId, set.iopsLimit());
        }
    }

    /** The gateway no longer serves the volume. */
    void forget(int volumeId, long gatewayId) {
        Map<Long, Long> perGateway = limits.get(volumeId);
        if (perGateway != null) {
            perGateway.remove(gatewayId);
            if (perGateway.isEmpty()) {
                limits.remove(volumeId);
            }
        }
    }

    /** The sum of the IOPS limits last sent to the gateways serving a volume (0 = none sent, or unlimited). */
    long iopsLimit(int volumeId) {
        return limits.getOrDefault(volumeId, Map.of()).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Gateways that have been sent parameters for a volume. */
    int gateways(int volumeId) {
        return limits.getOrDefault(volumeId, Map.of()).size();
    }
}
