package io.sluice.services.compliance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Alerts from interval verdicts, by each SLA's {@link AlertRule}: raised when at least N of the last M intervals of a
 * dimension missed, once (de-duplicated while it stays active), and cleared when the last N intervals all met, so a
 * condition hovering at the edge does not raise and clear every interval.
 */
public final class Alerts {
    private static final Dimension[] DIMENSIONS = Dimension.values();
    /** Per volume, one track per {@link Dimension}, by ordinal. */
    private final Map<Integer, Track[]> tracks = new HashMap<>();

    private final List<Alert> all = new ArrayList<>();
    private final Map<String, Alert> openByKey = new HashMap<>();
    /** Alerts raised, acknowledged or cleared since the last {@link #drainChanged}: what goes to the database. */
    private final LinkedHashSet<Alert> changed = new LinkedHashSet<>();

    private long nextId = 1;

    /** The recent history of one dimension of one volume. */
    private static final class Track {
        boolean[] missed = new boolean[0];
        int next;
        int recorded;
        Alert active;

        void record(boolean miss, int window) {
            if (missed.length != window) {
                missed = new boolean[window];
                next = 0;
                recorded = 0;
            }
            missed[next] = miss;
            next = (next + 1) % window;
            recorded = Math.min(recorded + 1, window);
        }

        int missesInLast(int intervals) {
            int misses = 0;
            for (int i = 1; i <= Math.min(intervals, recorded); i++) {
                if (missed[Math.floorMod(next - i, missed.length)]) {
                    misses++;
                }
            }
            return misses;
        }
    }

    void record(IntervalVerdict verdict, AlertRule rule) {
        Track[] volume = null;
        for (Dimension dimension : DIMENSIONS) {
            Verdict v = verdict.of(dimension);
            if (v == Verdict.NOT_APPLICABLE) {
                continue;
            }
            if (volume == null) {
                volume = tracks.computeIfAbsent(verdict.volumeId(), id -> new Track[DIMENSIONS.length]);
            }
            Track track = volume[dimension.ordinal()];
            if (track == null) {
                track = volume[dimension.ordinal()] = new Track();
            }
            boolean miss = v == Verdict.MISSED;
            track.record(miss, rule.intervals());
            if (track.active != null) {
                if (miss) {
                    track.active.recur();
                } else if (track.missesInLast(rule.violations()) == 0 && track.recorded >= rule.violations()) {
                    track.active.clear(verdict.intervalEndMillis());
                    changed.add(track.active);
                    openByKey.remove(track.active.key());
                    track.active = null;
                }
            } else if (track.missesInLast(rule.intervals()) >= rule.violations()) {
                track.active = new Alert(
                        nextId++, verdict.volumeId(), dimension, rule.severity(), verdict.intervalEndMillis());
                all.add(track.active);
                changed.add(track.active);
                openByKey.put(track.active.key(), track.active);
            }
        }
    }

    /**
     * Raises the alert of {@code key} unless one is open already (then it only recurs); for conditions other than a
     * volume's SLA dimension: a policy's, a capacity forecast's.
     */
    public Alert raise(String key, Severity severity, String message, long now) {
        Alert open = openByKey.get(key);
        if (open != null && open.severity() == severity) {
            open.recur();
            return open;
        }
        if (open != null) {
            clear(key, now);
        }
        Alert alert = new Alert(nextId++, 0, null, severity, now, key, message);
        all.add(alert);
        openByKey.put(key, alert);
        changed.add(alert);
        return alert;
    }

    /** Clears the open alert of {@code key}, if any: its condition ended. */
    public void clear(String key, long now) {
        Alert open = openByKey.remove(key);
        if (open != null) {
            open.clear(now);
            changed.add(open);
        }
    }

    /** Marks an open alert as seen by {@code by}; false when there is no such open alert. */
    public boolean acknowledge(long alertId, String by, long now) {
        Alert alert = find(alertId);
        if (alert != null && alert.acknowledge(by, now)) {
            changed.add(alert);
            return true;
        }
        return false;
    }

    /** The alert callers know as {@code publicId} (see {@link Alert#publicId()}), or null. */
    public Alert findPublic(long publicId) {
        for (Alert alert : all) {
            if (alert.publicId() == publicId) {
                return alert;
            }
        }
        return null;
    }

    /** The alert with {@code alertId}, or null. */
    public Alert find(long alertId) {
        for (Alert alert : all) {
            if (alert.id() == alertId) {
                return alert;
            }
        }
        return null;
    }

    /** Hands over every alert that changed since the last call, oldest change first. */
    public void drainChanged(Consumer<Alert> consumer) {
        for (Alert alert : changed) {
            consumer.accept(alert);
        }
        changed.clear();
    }

    /** Alerts not yet cleared, oldest first. */
    public List<Alert> active() {
        return all.stream().filter(Alert::active).toList();
    }

    /** Every alert ever raised, oldest first. */
    public List<Alert> history() {
        return List.copyOf(all);
    }
}
