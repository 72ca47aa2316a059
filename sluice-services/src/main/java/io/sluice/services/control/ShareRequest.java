package io.sluice.services.control;

import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.PriorityClass;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The {@link FairShareAllocator}'s parallel arrays for a list of volumes, index for index: what each wants, its ceiling
 * and its reservation in the unit being divided (IOPS or bytes per second), and its policy's weight and class. A
 * backend's capacity, a group's IOPS cap and a group's bandwidth cap are all divided this way; only the three figures
 * differ.
 */
final class ShareRequest {
    final double[] demand;
    final double[] limit;
    final double[] reservation;
    private final int[] weight;
    private final PriorityClass[] priority;

    ShareRequest(
            List<VolumeState> volumes,
            ToDoubleFunction<VolumeState> demandOf,
            ToDoubleFunction<VolumeState> limitOf,
            ToDoubleFunction<EffectivePolicy> reservationOf) {
        int n = volumes.size();
        demand = new double[n];
        limit = new double[n];
        reservation = new double[n];
        weight = new int[n];
        priority = new PriorityClass[n];
        for (int i = 0; i < n; i++) {
            VolumeState volume = volumes.get(i);
            demand[i] = demandOf.applyAsDouble(volume);
            limit[i] = limitOf.applyAsDouble(volume);
            reservation[i] = reservationOf.applyAsDouble(volume.policy);
            weight[i] = volume.policy.weight();
            priority[i] = volume.policy.priority();
        }
    }

    /** Each volume's part of {@code total}: reservations, then demand by class and weight, then headroom. */
    double[] allocate(double total) {
        return FairShareAllocator.allocate(total, demand, limit, reservation, weight, priority);
    }
}
