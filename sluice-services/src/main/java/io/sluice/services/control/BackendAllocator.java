package io.sluice.services.control;

import io.sluice.protocol.LatencyBuckets;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.Limits;
import io.sluice.services.stats.LatencyHistogram;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Divides one backend's capacity among the volumes on it, once an interval: updates the backend's capacity estimate
 * from what its volumes delivered and how close their latency came to their objectives (or, without objectives, to
 * congestion), then gives each volume its allocation ({@link VolumeState#allocation}) by reservations, demand by class
 * and weight, and headroom, each volume held to its ceiling and its capped group's share.
 *
 * <p>Not thread-safe: the analyzer's thread only.
 */
final class BackendAllocator {
    /** A backend without latency objectives counts as congested at this multiple of its idle latency. */
    static final double DEFAULT_CONGESTION_FACTOR = 20;
    /** Fewer operations than this in an interval say too little about a percentile to act on. */
    static final int MIN_LATENCY_OPS = 20;
    /**
     * A volume with demand keeps at least this share of its backend's capacity (its ceiling permitting): a low class
     * squeezed to a handful of IOPS learns nothing about what it wants and starves its clients.
     */
    static final double FLOOR_SHARE = 0.05;

    private final Inventory inventory;
    private final Map<String, CapacityEstimator> estimators = new HashMap<>();
    private final Map<String, ObjectiveAim> aims = new HashMap<>();

    BackendAllocator(Inventory inventory) {
        this.inventory = inventory;
    }

    /** The backend's estimated capacity, normalized IOPS. */
    long capacityIops(String backendId) {
        return (long) estimator(backendId).estimate();
    }

    private CapacityEstimator estimator(String backendId) {
        return estimators.computeIfAbsent(
                backendId, id -> new CapacityEstimator(inventory.backend(id).nominalIops()));
    }

    /** Sets the allocation and backend capacity of every volume {@code on} the backend (all of them served now). */
    void allocate(String backendId, List<VolumeState> on) {
        CapacityEstimator estimator = estimator(backendId);
        double delivered = 0;
        double idleReserved = 0;
        double raised = 0;
        for (VolumeState volume : on) {
            delivered += volume.deliveredIops;
            idleReserved += Math.max(0, volume.policy.reservedIops() - volume.deliveredIops);
            raised += volume.raisedWhileHeld;
        }
        double ratio = objectiveRatio(on);
        boolean hasAim = !Double.isNaN(ratio);
        ObjectiveAim aim = aims.computeIfAbsent(backendId, id -> new ObjectiveAim());
        aim.update(ratio);
        double pressure = hasAim ? ratio / aim.margin() : congestionPressure(inventory.backend(backendId), on);
        estimator.update(delivered, idleReserved, pressure, raised, hasAim ? aim.margin() : 0);
        double capacity = estimator.estimate();

        ShareRequest request = new ShareRequest(
                on,
                v -> v.demand,
                v -> v.groupShare > 0 ? Limits.min(v.iopsLimit(), (long) Math.ceil(v.groupShare)) : v.iopsLimit(),
                EffectivePolicy::reservedIops);
        double[] allocation = request.allocate(capacity);
        release(capacity, request, on, allocation);
        for (int i = 0; i < on.size(); i++) {
            VolumeState volume = on.get(i);
            double limit = request.limit[i];
            volume.allocation = Math.max(
                    allocation[i],
                    Math.min(
                            Math.min(request.demand[i], FLOOR_SHARE * capacity), limit > 0 ? limit : Double.MAX_VALUE));
            volume.backendCapacity = capacity;
        }
    }

    /**
     * When the backend can give every volume what it wants, a capped volume that nothing holds back no longer needs the
     * throttle it got under pressure: its ceiling is lifted toward its SLA limit, but never past what the others'
     * reservations leave, so a load that comes back cannot take more than the guarantees allow before the next interval
     * holds it again. The step limiter makes the lift a few bounded steps. A volume still held back at its gateway is
     * left to the allocation: lifting it would let its queue drain as a burst. Volumes without a limit already get all
     * spare capacity as headroom.
     */
    private static void release(double capacity, ShareRequest request, List<VolumeState> on, double[] allocation) {
        double[] demand = request.demand;
        double[] limit = request.limit;
        double[] reservation = request.reservation;
        double wanted = 0;
        double reserved = 0;
        for (int i = 0; i < demand.length; i++) {
            wanted += Math.max(reservation[i], limit[i] > 0 ? Math.min(demand[i], limit[i]) : demand[i]);
            reserved += reservation[i];
        }
        if (wanted > capacity) {
            return;
        }
        for (int i = 0; i < demand.length; i++) {
            if (limit[i] > 0 && !on.get(i).held) {
                allocation[i] = Math.max(allocation[i], Math.min(limit[i], capacity - (reserved - reservation[i])));
            }
        }
    }

    /**
     * How close the backend is to its objectives: the worst ratio of a measured latency percentile to its objective
     * among the volumes on it that have one and did enough I/O to judge it. The backend aims a margin under it
     * ({@link ObjectiveAim}). NaN when no objective was judged: the backend has no aim this interval.
     */
    private static double objectiveRatio(List<VolumeState> on) {
        double pressure = Double.NaN;
        for (VolumeState volume : on) {
            LatencyObjective objective = volume.policy.latency();
            if (!objective.isSet()) {
                continue;
            }
            for (int direction = 0; direction < 2; direction++) {
                long threshold = direction == 0 ? objective.readMicros() : objective.writeMicros();
                long[] histogram = direction == 0 ? volume.readLatency : volume.writeLatency;
                if (threshold > 0 && LatencyHistogram.count(histogram) >= MIN_LATENCY_OPS) {
                    double measured = LatencyHistogram.percentileMicros(histogram, objective.percentile());
                    double ratio = measured / threshold;
                    pressure = Double.isNaN(pressure) ? ratio : Math.max(pressure, ratio);
                }
            }
        }
        return pressure;
    }

    /**
     * Without objectives to aim at, how close the backend is to congestion: its p95 against
     * {@link #DEFAULT_CONGESTION_FACTOR} times its idle latency. Above 1 is congested; 0 means too little was measured.
     */
    private static double congestionPressure(BackendProfile backend, List<VolumeState> on) {
        long[] all = new long[LatencyBuckets.COUNT];
        for (VolumeState volume : on) {
            LatencyHistogram.add(all, volume.readLatency);
            LatencyHistogram.add(all, volume.writeLatency);
        }
        if (LatencyHistogram.count(all) < MIN_LATENCY_OPS) {
            return 0;
        }
        return LatencyHistogram.percentileMicros(all, 95) / (backend.floorLatencyMicros() * DEFAULT_CONGESTION_FACTOR);
    }
}
