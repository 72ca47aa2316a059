package io.sluice.services;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backends and volumes the services know about and where each volume lives. Which gateways serve a
 * volume is not kept here: the analyzer learns it from the statistics, every interval.
 */
public final class Inventory {
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final Map<Integer, VolumePlacement> volumes = new LinkedHashMap<>();

    public Inventory addBackend(Backend backend) {
        backends.put(backend.id(), backend);
        return this;
    }

    public Inventory place(VolumePlacement placement) {
        if (!backends.containsKey(placement.backendId())) {
            throw new IllegalArgumentException("unknown backend " + placement.backendId());
        }
        volumes.put(placement.volumeId(), placement);
        return this;
    }

    public Backend backend(String id) {
        return backends.get(id);
    }

    public Collection<Backend> backends() {
        return backends.values();
    }

    /** The volume's placement, or null when it is not known. */
    public VolumePlacement volume(int volumeId) {
        return volumes.get(volumeId);
    }

    public Collection<VolumePlacement> volumes() {
        return volumes.values();
    }

    public List<VolumePlacement> volumesOn(String backendId) {
        List<VolumePlacement> on = new ArrayList<>();
        for (VolumePlacement volume : volumes.values()) {
            if (volume.backendId().equals(backendId)) {
                on.add(volume);
            }
        }
        return on;
    }

    /** The volumes that belong to {@code scope}: the volume itself, or a group's members. */
    public List<VolumePlacement> members(Scope scope) {
        List<VolumePlacement> members = new ArrayList<>();
        for (VolumePlacement volume : volumes.values()) {
            boolean member = scope.isGroup()
                    ? volume.groups().contains(scope)
                    : Integer.toString(volume.volumeId()).equals(scope.id());
            if (member) {
                members.add(volume);
            }
        }
        return members;
    }
}
