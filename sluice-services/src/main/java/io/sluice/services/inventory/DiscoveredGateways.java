package io.sluice.services.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The gateways and volumes the services have discovered: from the monitor's GATEWAY_STATE messages (a gateway in
 * session, pending approval, unreachable...), its GATEWAY_VOLUMES announcements (a gateway's volumes by name), its
 * forwarded EVENTs (a gateway started serving a volume) and the statistics reports themselves. Remembers what is new
 * since it was last asked ({@link #drainNew}), which is what the services register with the database manager.
 *
 * <p>Not thread-safe: the services' loop thread feeds and reads it.
 */
public final class DiscoveredGateways {
    /** {@link #volumeIdByName}: no volume has the name. */
    public static final int UNKNOWN = 0;
    /** {@link #volumeIdByName}: more than one volume has the name. */
    public static final int AMBIGUOUS = -1;

    /** What the services know of one gateway. */
    public static final class Gateway {
        private final long gatewayId;
        private final TreeSet<Integer> volumes = new TreeSet<>();
        private String name;
        private String state;
        private long since;
        private long lastSeen;

        Gateway(long gatewayId) {
            this.gatewayId = gatewayId;
        }

        public long gatewayId() {
            return gatewayId;
        }

        /** The name it gave in HELLO, or null before its volumes were announced. */
        public String name() {
            return name;
        }

        /**
         * The monitor's last word on it (IN_SESSION, PENDING_APPROVAL, ...), REPORTING when only its reports were seen.
         */
        public String state() {
            return state;
        }

        /** When it entered its current state. */
        public long since() {
            return since;
        }

        public long lastSeen() {
            return lastSeen;
        }

        public List<Integer> volumes() {
            return List.copyOf(volumes);
        }
    }

    /**
     * A volume served by a gateway, as first seen or as newly named; {@code capacityBytes} 0 when not known yet,
     * {@code naming} null when only a report has named it (by id).
     */
    public record VolumeSighting(
            int volumeId, long gatewayId, long capacityBytes, long usedBytes, VolumeNaming naming) {}

    /** How people know a volume: "gateway name/export name", or the export name of a volume gateways share. */
    public record VolumeNaming(String exportName, String gatewayName, boolean shared) {
        public String name() {
            return shared ? exportName : gatewayName + "/" + exportName;
        }
    }

    private final Map<Long, Gateway> gateways = new LinkedHashMap<>();
    private final Map<Integer, VolumeNaming> namings = new HashMap<>();
    private final Map<String, Integer> idsByName = new HashMap<>();
    private final List<Gateway> newOrChanged = new ArrayList<>();
    private final List<VolumeSighting> newVolumes = new ArrayList<>();

    /** The monitor says gateway {@code gatewayId} is now in {@code state}. */
    public void onState(long gatewayId, String state, long at) {
        Gateway gateway = gateway(gatewayId, at);
        if (!state.equals(gateway.state)) {
            gateway.state = state;
            gateway.since = at;
            if (!newOrChanged.contains(gateway)) {
                newOrChanged.add(gateway);
            }
        }
        gateway.lastSeen = Math.max(gateway.lastSeen, at);
    }

    /** Gateway {@code gatewayId} serves {@code volumeId} (an event or a report said so). */
    public void onVolume(long gatewayId, int volumeId, long capacityBytes, long usedBytes, long at) {
        Gateway gateway = gateway(gatewayId, at);
        gateway.lastSeen = Math.max(gateway.lastSeen, at);
        if (gateway.volumes.add(volumeId)) {
            newVolumes.add(new VolumeSighting(volumeId, gatewayId, capacityBytes, usedBytes, namings.get(volumeId)));
        }
    }

    /** The monitor announced volume {@code volumeId} of gateway {@code gatewayId} under these names. */
    public void onNamedVolume(
            long gatewayId,
            String gatewayName,
            int volumeId,
            String exportName,
            boolean shared,
            long capacityBytes,
            long at) {
        Gateway gateway = gateway(gatewayId, at);
        if (!gatewayName.equals(gateway.name)) {
            gateway.name = gatewayName;
            if (!newOrChanged.contains(gateway)) {
                newOrChanged.add(gateway);
            }
        }
        VolumeNaming naming = new VolumeNaming(exportName, gatewayName, shared);
        VolumeNaming before = namings.put(volumeId, naming);
        if (before != null && !before.name().equals(naming.name())) {
            idsByName.remove(before.name(), volumeId);
        }
        Integer holder = idsByName.putIfAbsent(naming.name(), volumeId);
        if (holder != null && holder != volumeId) {
            // Two volumes of one name (two gateways that call themselves the same): the name finds neither.
            idsByName.put(naming.name(), AMBIGUOUS);
        }
        gateway.volumes.add(volumeId);
        if (!naming.equals(before)) {
            newVolumes.add(new VolumeSighting(volumeId, gatewayId, capacityBytes, 0, naming));
        }
    }

    /**
     * Gateway {@code gatewayId} no longer serves {@code volumeId}; with {@code lastGateway} no gateway does, and the
     * volume's names are forgotten too (the database keeps them with its history).
     */
    public void forget(long gatewayId, int volumeId, boolean lastGateway) {
        Gateway gateway = gateways.get(gatewayId);
        if (gateway != null) {
            gateway.volumes.remove(volumeId);
        }
        if (lastGateway) {
            VolumeNaming naming = namings.remove(volumeId);
            if (naming != null) {
                idsByName.remove(naming.name(), volumeId);
            }
        }
    }

    /** The names of volume {@code volumeId}, or null until the monitor announced it. */
    public VolumeNaming naming(int volumeId) {
        return namings.get(volumeId);
    }

    /**
     * The id of the volume called {@code name}; {@link #UNKNOWN} if no volume is, {@link #AMBIGUOUS} if more than one
     * is.
     */
    public int volumeIdByName(String name) {
        return idsByName.getOrDefault(name, UNKNOWN);
    }

    private Gateway gateway(long gatewayId, long at) {
        Gateway gateway = gateways.get(gatewayId);
        if (gateway == null) {
            gateway = new Gateway(gatewayId);
            gateway.state = "REPORTING";
            gateway.since = at;
            gateways.put(gatewayId, gateway);
            newOrChanged.add(gateway);
        }
        return gateway;
    }

    public List<Gateway> all() {
        return List.copyOf(gateways.values());
    }

    public int size() {
        return gateways.size();
    }

    /** Gateways that appeared or changed state, and volumes first seen, since the last call. */
    public void drainNew(Consumer<Gateway> onGateway, Consumer<VolumeSighting> onVolume) {
        newOrChanged.forEach(onGateway);
        newOrChanged.clear();
        newVolumes.forEach(onVolume);
        newVolumes.clear();
    }
}
