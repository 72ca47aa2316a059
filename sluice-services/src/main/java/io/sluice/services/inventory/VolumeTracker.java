package io.sluice.services.inventory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which gateways serve which volumes now, so that the services keep per-volume state (recent statistics, the analyzer's
 * view, registrations) only for volumes that are still there, and never for more than {@code maxVolumes} of them: a
 * gateway whose key leaked may announce volume after volume, and every one would otherwise cost the services a
 * statistics ring and more, for good.
 *
 * <ul>
 *   <li>A volume new to the tracker is admitted while fewer than {@code maxVolumes} are tracked, or always when an
 *       operator configured it; otherwise it is refused (and counted), and the caller keeps nothing of it.
 *   <li>A gateway's announcement is its whole list: once its last part is in, each volume the gateway served before and
 *       did not announce is evicted for that gateway.
 *   <li>A gateway that reported nothing on a volume for {@code expiryMillis} no longer serves it.
 * </ul>
 *
 * An eviction is per gateway and volume; {@link Eviction#evicted} says when it was the volume's last gateway, so that
 * its volume-wide state goes too. A volume that comes back is admitted afresh.
 *
 * <p>Not thread-safe: the services' loop thread calls it, with times from its clock.
 */
public final class VolumeTracker {
    /** Volumes tracked at most, unless configured otherwise. */
    public static final int DEFAULT_MAX_VOLUMES = 100_000;
    /** A gateway silent on a volume for this long no longer serves it, unless configured otherwise. */
    public static final long DEFAULT_EXPIRY_MILLIS = 600_000;

    /** Receives each gateway-volume pair the tracker dropped. */
    @FunctionalInterface
    public interface Eviction {
        /** @param lastGateway no gateway serves the volume any more */
        void evicted(long gatewayId, int volumeId, boolean lastGateway);
    }

    /** The gateways serving one volume, and when each last spoke of it; one gateway in the usual case. */
    private static final class Served {
        long[] gateways = new long[1];
        long[] heardAt = new long[1];
        int count;

        int indexOf(long gatewayId) {
            for (int i = 0; i < count; i++) {
                if (gateways[i] == gatewayId) {
                    return i;
                }
            }
            return -1;
        }

        void add(long gatewayId, long now) {
            if (count == gateways.length) {
                gateways = Arrays.copyOf(gateways, count * 2);
                heardAt = Arrays.copyOf(heardAt, count * 2);
            }
            gateways[count] = gatewayId;
            heardAt[count++] = now;
        }

        void remove(int index) {
            count--;
            gateways[index] = gateways[count];
            heardAt[index] = heardAt[count];
        }
    }

    private final int maxVolumes;
    private final long expiryMillis;
    private final Map<Integer, Served> volumes = new HashMap<>();
    private final Map<Long, Set<Integer>> byGateway = new HashMap<>();
    /** The volumes of each announcement under way, until its last part. */
    private final Map<Long, Set<Integer>> announcing = new HashMap<>();

    private long evicted;
    private long refused;

    public VolumeTracker(int maxVolumes, long expiryMillis) {
        if (maxVolumes < 1 || expiryMillis < 1) {
            throw new IllegalArgumentException("need at least one volume and an expiry of at least 1 ms");
        }
        this.maxVolumes = maxVolumes;
        this.expiryMillis = expiryMillis;
    }

    /**
     * Gateway {@code gatewayId} spoke of {@code volumeId} at {@code now} (a report, an event, its announcement). True
     * when the volume is tracked; false when it is new and the tracker is full, the refusal counted.
     * {@code configured}: an operator placed the volume, so it is admitted anyway.
     */
    public boolean admit(long gatewayId, int volumeId, long now, boolean configured) {
        Served served = volumes.get(volumeId);
        if (served == null) {
            if (volumes.size() >= maxVolumes && !configured) {
                refused++;
                return false;
            }
            served = new Served();
            volumes.put(volumeId, served);
        }
        int at = served.indexOf(gatewayId);
        if (at < 0) {
            served.add(gatewayId, now);
            byGateway.computeIfAbsent(gatewayId, id -> new HashSet<>()).add(volumeId);
        } else {
            served.heardAt[at] = Math.max(served.heardAt[at], now);
        }
        Set<Integer> announced = announcing.get(gatewayId);
        if (announced != null) {
            announced.add(volumeId);
        }
        return true;
    }

    /**
     * A new announcement of the gateway's volumes begins (its first part); the volumes follow through {@link #admit}.
     */
    public void announcementBegins(long gatewayId) {
        announcing.put(gatewayId, new HashSet<>());
    }

    /**
     * The gateway's announcement is complete: the volumes it served and did not announce are evicted for it. Without a
     * beginning (a part lost in between), nothing is evicted.
     */
    public void announcementEnds(long gatewayId, Eviction eviction) {
        Set<Integer> announced = announcing.remove(gatewayId);
        Set<Integer> serving = byGateway.get(gatewayId);
        if (announced == null || serving == null) {
            return;
        }
        List<Integer> gone = new ArrayList<>();
        for (int volumeId : serving) {
            if (!announced.contains(volumeId)) {
                gone.add(volumeId);
            }
        }
        for (int volumeId : gone) {
            drop(gatewayId, volumeId, eviction);
        }
    }

    /** Evicts every pair whose gateway has been silent on its volume for the expiry; returns how many. */
    public int expire(long now, Eviction eviction) {
        List<long[]> stale = new ArrayList<>();
        for (Map.Entry<Integer, Served> entry : volumes.entrySet()) {
            Served served = entry.getValue();
            for (int i = 0; i < served.count; i++) {
                if (now - served.heardAt[i] >= expiryMillis) {
                    stale.add(new long[] {served.gateways[i], entry.getKey()});
                }
            }
        }
        for (long[] pair : stale) {
            drop(pair[0], (int) pair[1], eviction);
        }
        return stale.size();
    }

    private void drop(long gatewayId, int volumeId, Eviction eviction) {
        Served served = volumes.get(volumeId);
        int at = served == null ? -1 : served.indexOf(gatewayId);
        if (at < 0) {
            return;
        }
        served.remove(at);
        boolean last = served.count == 0;
        if (last) {
            volumes.remove(volumeId);
        }
        Set<Integer> serving = byGateway.get(gatewayId);
        serving.remove(volumeId);
        if (serving.isEmpty()) {
            byGateway.remove(gatewayId);
        }
        evicted++;
        eviction.evicted(gatewayId, volumeId, last);
    }

    /** Whether {@code volumeId} is tracked (some gateway serves it). */
    public boolean tracks(int volumeId) {
        return volumes.containsKey(volumeId);
    }

    /** The gateways that serve {@code volumeId} now. */
    public Set<Long> gatewaysOf(int volumeId) {
        Served served = volumes.get(volumeId);
        Set<Long> gateways = new HashSet<>();
        for (int i = 0; served != null && i < served.count; i++) {
            gateways.add(served.gateways[i]);
        }
        return gateways;
    }

    /** Volumes tracked now. */
    public int tracked() {
        return volumes.size();
    }

    /** Whether a volume new to the tracker would be refused now. */
    public boolean full() {
        return volumes.size() >= maxVolumes;
    }

    public int maxVolumes() {
        return maxVolumes;
    }

    public long expiryMillis() {
        return expiryMillis;
    }

    /** Gateway-volume pairs evicted so far (vanished from an announcement or expired). */
    public long evicted() {
        return evicted;
    }

    /** Times a volume new to the tracker was refused because it was full. */
    public long refused() {
        return refused;
    }
}
