package io.sluice.services.inventory;

import io.sluice.services.sla.Scope;
import java.util.List;

/** Where a volume lives: its backend, the groups it belongs to, and its allocated size. */
public record VolumePlacement(int volumeId, String backendId, List<Scope> groups, long allocatedBytes) {
    public VolumePlacement {
        groups = List.copyOf(groups);
        for (Scope group : groups) {
            if (!group.isGroup()) {
                throw new IllegalArgumentException("not a group: " + group);
            }
        }
    }
}
