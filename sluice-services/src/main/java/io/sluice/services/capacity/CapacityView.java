package io.sluice.services.capacity;

import io.sluice.services.inventory.Inventory;

/** The capacity a backend is believed to have now, in normalized IOPS. */
@FunctionalInterface
public interface CapacityView {
    long capacityIops(String backendId);

    /** Before anything has been measured: what the backends were registered with. */
    static CapacityView nominal(Inventory inventory) {
        return backendId -> inventory.backend(backendId).nominalIops();
    }
}
