package io.sluice.services.stats;

import io.sluice.protocol.StatsReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The entity service's cache of recent statistics: per volume and gateway, the last {@code capacity} reports (600 = ten
 * minutes at one-second polls), fed straight from STATS frames. Serves the live views: the latest point of a volume and
 * its series over a time range, gateways added up.
 *
 * <p>Not thread-safe: the services' mailbox thread feeds it and answers queries from it.
 */
public final class RecentStats {
    /** Ten minutes at one report a second. */
    public static final int TEN_MINUTES_AT_ONE_SECOND = 600;

    private final int capacity;
    private final Map<Integer, Map<Long, StatsRing>> volumes = new HashMap<>();
    private long duplicates;

    public RecentStats(int capacity) {
        this.capacity = capacity;
    }

    /** Keeps every volume record of a STATS frame; a report already kept is counted and ignored. */
    public void onStats(StatsReader stats) {
        for (int i = 0; i < stats.volumeCount(); i++) {
            var record = stats.volume(i);
            StatsRing ring = volumes.computeIfAbsent(record.volumeId(), id -> new HashMap<>())
                    .computeIfAbsent(stats.gatewayId(), id -> new StatsRing(capacity));
            if (!ring.add(stats.intervalStartMillis(), stats.intervalMillis(), record)) {
                duplicates++;
            }
        }
    }

    /**
     * Drops what {@code gatewayId} reported on {@code volumeId} (it no longer serves it); the volume goes with its last
     * gateway.
     */
    public void forget(int volumeId, long gatewayId) {
        Map<Long, StatsRing> rings = volumes.get(volumeId);
        if (rings != null && rings.remove(gatewayId) != null && rings.isEmpty()) {
            volumes.remove(volumeId);
        }
    }

    /** Every volume that has reported, in no particular order. */
    public Set<Integer> volumeIds() {
        return Collections.unmodifiableSet(volumes.keySet());
    }

    /** The gateways that have reported the volume. */
    public Set<Long> gateways(int volumeId) {
        return Collections.unmodifiableSet(
                volumes.getOrDefault(volumeId, Map.of()).keySet());
    }

    /** Reports ignored because they were already kept. */
    public long duplicates() {
        return duplicates;
    }

    /** The volume's newest interval, every gateway that reported it added up; null when none. */
    public StatsPoint latest(int volumeId) {
        Map<Long, StatsRing> rings = volumes.get(volumeId);
        if (rings == null) {
            return null;
        }
        long newest = Long.MIN_VALUE;
        for (StatsRing ring : rings.values()) {
            newest = Math.max(newest, ring.newestStart());
        }
        List<StatsPoint> points = series(volumeId, newest, newest + 1);
        return points.isEmpty() ? null : points.getFirst();
    }

    /**
     * The volume's intervals starting in [{@code fromMillis}, {@code toMillis}), oldest first, gateways reporting an
     * interval with the same start added up (gateways answer the same poll, so their intervals line up).
     */
    public List<StatsPoint> series(int volumeId, long fromMillis, long toMillis) {
        Map<Long, StatsRing> rings = volumes.get(volumeId);
        if (rings == null) {
            return List.of();
        }
        TreeMap<Long, StatsPoint> byStart = new TreeMap<>();
        for (StatsRing ring : rings.values()) {
            for (int i = ring.firstAtOrAfter(fromMillis); i < ring.size() && ring.startOf(i) < toMillis; i++) {
                StatsPoint point = ring.point(volumeId, i);
                byStart.merge(point.startMillis(), point, StatsPoint::plus);
            }
        }
        return new ArrayList<>(byStart.values());
    }
}
