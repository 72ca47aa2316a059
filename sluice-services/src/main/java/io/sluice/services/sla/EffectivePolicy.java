package io.sluice.services.sla;

import io.sluice.services.compliance.AlertRule;
import java.util.ArrayList;
import java.util.List;

/**
 * What a volume is held to once every SLA that applies to it has been combined. Group SLAs act as templates for each
 * member volume. They are applied pool, host, tenant, then the volume's own, and:
 *
 * <ul>
 *   <li>for limits, latency thresholds and size normalization the most stringent value wins, wherever it comes from (a
 *       tenant cap is not lifted by a generous volume SLA);
 *   <li>reservations and the compliance target take the strongest promise, reservations never above the combined limit;
 *   <li>weight, class, capacity scaling and alert rule are choices rather than bounds: the most specific SLA that sets
 *       them wins.
 * </ul>
 *
 * @param sources the SLAs combined, as name@version, least specific first
 */
public record EffectivePolicy(
        int volumeId,
        List<String> sources,
        Limits iops,
        Limits bandwidth,
        Burst burst,
        long sizeNormalizationBytes,
        long reservedIops,
        long reservedBandwidth,
        int weight,
        PriorityClass priority,
        LatencyObjective latency,
        CapacityScaling scaling,
        double complianceTarget,
        AlertRule alertRule) {

    /** The policy of a volume no SLA covers: default weight, STANDARD, no bounds, nothing to judge. */
    public static EffectivePolicy unmanaged(int volumeId) {
        return new EffectivePolicy(
                volumeId,
                List.of(),
                Limits.NONE,
                Limits.NONE,
                Burst.NONE,
                0,
                0,
                0,
                Sla.DEFAULT_WEIGHT,
                PriorityClass.STANDARD,
                LatencyObjective.NONE,
                CapacityScaling.NONE,
                0,
                AlertRule.DEFAULT);
    }

    /** Combines {@code slas}, least specific first (see the class comment). */
    public static EffectivePolicy combine(int volumeId, List<Sla> slas) {
        EffectivePolicy policy = unmanaged(volumeId);
        for (Sla sla : slas) {
            policy = policy.then(sla);
        }
        return policy;
    }

    public boolean isManaged() {
        return !sources.isEmpty();
    }

    /**
     * The IOPS ceiling for a volume of this size: the set limit and the capacity-scaled one, whichever is lower; 0 when
     * neither applies.
     */
    public long iopsLimitFor(long allocatedBytes, long usedBytes) {
        return Limits.min(iops.effectiveTotal(), scaling.limitFor(allocatedBytes, usedBytes));
    }

    private EffectivePolicy then(Sla sla) {
        List<String> combined = new ArrayList<>(sources);
        combined.add(sla.name() + "@" + sla.version());
        Limits newIops = iops.strictest(sla.iops());
        Limits newBandwidth = bandwidth.strictest(sla.bandwidth());
        Burst newBurst = new Burst(
                Limits.min(burst.iops(), sla.burst().iops()),
                Limits.min(burst.bandwidth(), sla.burst().bandwidth()),
                Limits.min(burst.lengthMillis(), sla.burst().lengthMillis()));
        LatencyObjective newLatency = latency.isSet() && sla.latency().isSet()
                ? new LatencyObjective(
                        Math.max(latency.percentile(), sla.latency().percentile()),
                        Limits.min(latency.readMicros(), sla.latency().readMicros()),
                        Limits.min(latency.writeMicros(), sla.latency().writeMicros()),
                        Math.min(latency.windowIntervals(), sla.latency().windowIntervals()))
                : sla.latency().isSet() ? sla.latency() : latency;
        return new EffectivePolicy(
                volumeId,
                List.copyOf(combined),
                newIops,
                newBandwidth,
                newBurst,
                Limits.min(sizeNormalizationBytes, sla.sizeNormalizationBytes()),
                capped(Math.max(reservedIops, sla.reservedIops()), newIops.effectiveTotal()),
                capped(Math.max(reservedBandwidth, sla.reservedBandwidth()), newBandwidth.effectiveTotal()),
                sla.weight(),
                sla.priority(),
                newLatency,
                sla.scaling().isSet() ? sla.scaling() : scaling,
                Math.max(complianceTarget, sla.complianceTarget()),
                sla.alertRule());
    }

    private static long capped(long reservation, long limit) {
        return limit > 0 ? Math.min(reservation, limit) : reservation;
    }
}
