package io.sluice.services.sla;

import io.sluice.services.capacity.CapacityView;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The checks that depend on where an SLA lands. Admission control proper: the reservations placed on a backend must fit
 * within {@link #HEADROOM} of its estimated capacity, so that a guarantee given is one the backend can keep while the
 * rest of its volumes still move. And a policy that can never be met is refused: a latency threshold below the
 * backend's idle latency, or a reservation above the limit capacity scaling gives the volume.
 */
public final class AdmissionControl {
    /** Reservations may take up to this share of a backend; the rest keeps unreserved volumes alive. */
    public static final double HEADROOM = 0.9;

    private final Inventory inventory;
    private final CapacityView capacity;

    public AdmissionControl(Inventory inventory, CapacityView capacity) {
        this.inventory = inventory;
        this.capacity = capacity;
    }

    /**
     * What breaks if the volumes get {@code policies} (the candidate set after an edit, every volume that has a
     * policy). Each error names the field and the volume or backend at fault.
     */
    public List<SlaError> check(Map<Integer, EffectivePolicy> policies, List<Integer> changedVolumes) {
        List<SlaError> errors = new ArrayList<>();
        List<String> checkedBackends = new ArrayList<>();
        for (int volumeId : changedVolumes) {
            VolumePlacement placement = inventory.volume(volumeId);
            EffectivePolicy policy = policies.get(volumeId);
            if (placement == null || policy == null) {
                continue;
            }
            BackendProfile backend = inventory.backend(placement.backendId());
            checkLatencyFloor(volumeId, policy, backend, errors);
            long scaled = policy.scaling().limitFor(placement.allocatedBytes(), placement.allocatedBytes());
            if (policy.scaling().isSet() && policy.reservedIops() > scaled) {
                errors.add(new SlaError(
                        "reservedIops",
                        SlaRule.RESERVATION_ABOVE_SCALED_LIMIT,
                        "volume " + volumeId + ": reservation " + policy.reservedIops() + " > scaled limit " + scaled));
            }
            if (!checkedBackends.contains(backend.id())) {
                checkedBackends.add(backend.id());
                checkReservationsFit(backend, policies, errors);
            }
        }
        return errors;
    }

    private static void checkLatencyFloor(
            int volumeId, EffectivePolicy policy, BackendProfile backend, List<SlaError> errors) {
        LatencyObjective latency = policy.latency();
        if (latency.readMicros() > 0 && latency.readMicros() < backend.floorLatencyMicros()) {
            errors.add(new SlaError(
                    "latency.readMicros",
                    SlaRule.LATENCY_BELOW_BACKEND_FLOOR,
                    "volume " + volumeId + ": " + latency.readMicros() + " us < " + backend.floorLatencyMicros()
                            + " us on " + backend.id()));
        }
        if (latency.writeMicros() > 0 && latency.writeMicros() < backend.floorLatencyMicros()) {
            errors.add(new SlaError(
                    "latency.writeMicros",
                    SlaRule.LATENCY_BELOW_BACKEND_FLOOR,
                    "volume " + volumeId + ": " + latency.writeMicros() + " us < " + backend.floorLatencyMicros()
                            + " us on " + backend.id()));
        }
    }

    private void checkReservationsFit(
            BackendProfile backend, Map<Integer, EffectivePolicy> policies, List<SlaError> errors) {
        long reserved = 0;
        for (VolumePlacement volume : inventory.volumesOn(backend.id())) {
            EffectivePolicy policy = policies.get(volume.volumeId());
            if (policy != null) {
                reserved += policy.reservedIops();
            }
        }
        long admissible = (long) (capacity.capacityIops(backend.id()) * HEADROOM);
        if (reserved > admissible) {
            errors.add(new SlaError(
                    "reservedIops",
                    SlaRule.ADMISSION_CAPACITY,
                    "backend " + backend.id()
                            + ": reservations " + reserved + " IOPS > " + admissible + " admissible ("
                            + (int) (HEADROOM * 100) + "% of an estimated " + capacity.capacityIops(backend.id())
                            + ")"));
        }
    }
}
