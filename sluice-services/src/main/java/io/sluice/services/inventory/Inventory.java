package io.sluice.services.inventory;

import io.sluice.services.sla.Scope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backends and volumes the services know about and where each volume lives. Which gateways serve a volume is not
 * kept here: the analyzer learns it from the statistics, every interval.
 */
public final class Inventory {
    private final Map<String, BackendProfile> backends = new LinkedHashMap<>();
    private final Map<Integer, VolumePlacement> volumes = new LinkedHashMap<>();
    /** Volumes placed from gateways' reports rather than configured: forgotten when they vanish. */
    private final Set<Integer> discovered = new HashSet<>();
    /** Each group's members as declared, placed or not, so a volume discovered later joins its groups. */
    private final Map<Scope, List<Integer>> declaredMembers = new LinkedHashMap<>();

    public Inventory addBackend(BackendProfile backend) {
        backends.put(backend.id(), backend);
        return this;
    }

    public Inventory place(VolumePlacement placement) {
        if (!backends.containsKey(placement.backendId())) {
            throw new IllegalArgumentException("unknown backend " + placement.backendId());
        }
        volumes.put(placement.volumeId(), placement);
        discovered.remove(placement.volumeId());
        return this;
    }

    /**
     * Makes {@code members} the volumes of {@code group}: each placed volume joins or leaves it. Returns the ids named
     * that are not placed here (they join when they are placed under the group).
     */
    public List<Integer> setMembers(Scope group, Collection<Integer> members) {
        if (!group.isGroup()) {
            throw new IllegalArgumentException("not a group: " + group);
        }
        if (members.isEmpty()) {
            declaredMembers.remove(group);
        } else {
            declaredMembers.put(group, List.copyOf(members));
        }
        for (VolumePlacement volume : List.copyOf(volumes.values())) {
            boolean member = members.contains(volume.volumeId());
            if (member != volume.groups().contains(group)) {
                List<Scope> groups = new ArrayList<>(volume.groups());
                if (member) {
                    groups.add(group);
                } else {
                    groups.remove(group);
                }
                volumes.put(
                        volume.volumeId(),
                        new VolumePlacement(volume.volumeId(), volume.backendId(), groups, volume.allocatedBytes()));
            }
        }
        List<Integer> unplaced = new ArrayList<>();
        for (int id : members) {
            if (!volumes.containsKey(id)) {
                unplaced.add(id);
            }
        }
        return unplaced;
    }

    /**
     * Places a volume learnt from a gateway's reports that no configuration placed: on {@code backendId}, in every
     * group declared to contain it. Returns false if the volume was placed already.
     */
    public boolean placeDiscovered(int volumeId, String backendId, long allocatedBytes) {
        if (volumes.containsKey(volumeId)) {
            return false;
        }
        List<Scope> groups = new ArrayList<>();
        declaredMembers.forEach((group, members) -> {
            if (members.contains(volumeId)) {
                groups.add(group);
            }
        });
        place(new VolumePlacement(volumeId, backendId, groups, Math.max(0, allocatedBytes)));
        discovered.add(volumeId);
        return true;
    }

    /** Whether an operator placed the volume (configuration, not a gateway's report). */
    public boolean isConfigured(int volumeId) {
        return volumes.containsKey(volumeId) && !discovered.contains(volumeId);
    }

    /**
     * Removes the placement of a volume {@link #placeDiscovered discovered} from reports, whose gateways no longer
     * serve it; a configured placement stays. True when one was removed.
     */
    public boolean forgetDiscovered(int volumeId) {
        if (!discovered.remove(volumeId)) {
            return false;
        }
        volumes.remove(volumeId);
        return true;
    }

    /** Every group some placed volume belongs to, in the order first met. */
    public List<Scope> groups() {
        List<Scope> groups = new ArrayList<>();
        for (VolumePlacement volume : volumes.values()) {
            for (Scope group : volume.groups()) {
                if (!groups.contains(group)) {
                    groups.add(group);
                }
            }
        }
        return groups;
    }

    public BackendProfile backend(String id) {
        return backends.get(id);
    }

    public Collection<BackendProfile> backends() {
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
