package io.sluice.services.compliance;

import io.sluice.protocol.LatencyBuckets;
import io.sluice.services.control.IntervalObserver;
import io.sluice.services.control.VolumeInterval;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.stats.LatencyHistogram;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges every managed volume's interval against its SLA, rolls the verdicts up per minute, hour and day for each
 * volume and for each SLA (over all the volumes it applies to), judges latency over each objective's window, and feeds
 * {@link Alerts}.
 *
 * <ul>
 *   <li>limit: met when the volume stayed within its limits (its burst rate, when it has one) plus {@link #TOLERANCE},
 *       for a gateway's token bucket may overshoot a little within one interval;
 *   <li>reservation: missed only when the volume got less than its reservation (less the tolerance) while its gateways
 *       held I/O back, i.e. while it wanted more; demand below a reservation is not a violation;
 *   <li>latency: met when each direction's percentile is within its threshold; an interval without I/O in a direction
 *       does not judge it.
 * </ul>
 */
public final class ComplianceJudge implements IntervalObserver {
    static final double TOLERANCE = 0.05;
    private static final Rollup.Resolution[] RESOLUTIONS = Rollup.Resolution.values();
    private static final int MINUTES_KEPT = 60;
    private static final int HOURS_KEPT = 48;
    /** Thirty days, for the 30-day compliance figure. */
    private static final int DAYS_KEPT = 30;

    private final Alerts alerts = new Alerts();
    private final Map<Integer, IntervalVerdict> latest = new HashMap<>();
    private final Map<Integer, Subject> volumeSubjects = new HashMap<>();
    private final Map<String, Subject> slaSubjects = new HashMap<>();
    /** "gold@3" to "gold": sources repeat every interval, so their names are worked out once. */
    private final Map<String, String> slaNames = new HashMap<>();

    /** The rollups of one subject ("volume 7", "sla gold"), per resolution, oldest first. */
    private static final class Subject {
        final String name;
        final Deque<Rollup>[] byResolution;

        @SuppressWarnings("unchecked")
        Subject(String name) {
            this.name = name;
            this.byResolution = new Deque[Rollup.Resolution.values().length];
            for (int r = 0; r < byResolution.length; r++) {
                byResolution[r] = new ArrayDeque<>();
            }
        }
    }

    private final Map<Integer, LatencyWindow> windows = new HashMap<>();

    /** Latency over one objective window: histograms added up until the window is full. */
    public static final class LatencyWindow {
        private final long[] read = new long[LatencyBuckets.COUNT];
        private final long[] write = new long[LatencyBuckets.COUNT];
        private int intervals;
        private long judged;
        private long met;

        public long judged() {
            return judged;
        }

        public long met() {
            return met;
        }

        void add(VolumeInterval interval, LatencyObjective objective) {
            LatencyHistogram.add(read, interval.readLatency());
            LatencyHistogram.add(write, interval.writeLatency());
            if (++intervals < objective.windowIntervals()) {
                return;
            }
            Verdict verdict = judgeLatency(read, write, objective);
            if (verdict != Verdict.NOT_APPLICABLE) {
                judged++;
                met += verdict == Verdict.MET ? 1 : 0;
            }
            Arrays.fill(read, 0);
            Arrays.fill(write, 0);
            intervals = 0;
        }
    }

    @Override
    public void onInterval(long now, List<VolumeInterval> volumes) {
        for (VolumeInterval interval : volumes) {
            EffectivePolicy policy = interval.policy();
            if (!policy.isManaged()) {
                continue;
            }
            IntervalVerdict verdict = new IntervalVerdict(
                    interval.volumeId(),
                    policy.sources(),
                    now,
                    judgeLimit(interval),
                    judgeReservation(interval),
                    judgeLatency(interval.readLatency(), interval.writeLatency(), policy.latency()));
            latest.put(interval.volumeId(), verdict);
            Subject volume = volumeSubjects.computeIfAbsent(interval.volumeId(), id -> new Subject(volumeSubject(id)));
            for (Rollup.Resolution resolution : RESOLUTIONS) {
                rollupFor(volume, resolution, now).add(verdict, policy.complianceTarget());
            }
            for (String source : policy.sources()) {
                String name = slaNames.computeIfAbsent(source, s -> s.substring(0, s.lastIndexOf('@')));
                Subject sla = slaSubjects.computeIfAbsent(name, n -> new Subject(slaSubject(n)));
                for (Rollup.Resolution resolution : RESOLUTIONS) {
                    rollupFor(sla, resolution, now).add(verdict, policy.complianceTarget());
                }
            }
            if (policy.latency().isSet()) {
                windows.computeIfAbsent(interval.volumeId(), id -> new LatencyWindow())
                        .add(interval, policy.latency());
            }
            alerts.record(verdict, policy.alertRule());
        }
    }

    public Alerts alerts() {
        return alerts;
    }

    /** The verdict of the volume's last interval, or null. */
    public IntervalVerdict latest(int volumeId) {
        return latest.get(volumeId);
    }

    /** The volume's recent rollups at {@code resolution}, oldest first. */
    public List<Rollup> rollups(int volumeId, Rollup.Resolution resolution) {
        return recent(volumeSubjects.get(volumeId), resolution);
    }

    /**
     * The SLA's recent rollups at {@code resolution}, oldest first: every interval of every volume it applied to,
     * whatever its version then.
     */
    public List<Rollup> slaRollups(String slaName, Rollup.Resolution resolution) {
        return recent(slaSubjects.get(slaName), resolution);
    }

    /** The volume's latency windows so far, or null when it has no latency objective. */
    public LatencyWindow latencyWindows(int volumeId) {
        return windows.get(volumeId);
    }

    private static String volumeSubject(int volumeId) {
        return "volume " + volumeId;
    }

    private static String slaSubject(String slaName) {
        return "sla " + slaName;
    }

    private static List<Rollup> recent(Subject subject, Rollup.Resolution resolution) {
        return subject == null ? List.of() : new ArrayList<>(subject.byResolution[resolution.ordinal()]);
    }

    private static Rollup rollupFor(Subject subject, Rollup.Resolution resolution, long now) {
        Deque<Rollup> recent = subject.byResolution[resolution.ordinal()];
        long start = resolution.startOf(now);
        Rollup last = recent.peekLast();
        if (last != null && last.startMillis() == start) {
            return last;
        }
        Rollup rollup = new Rollup(subject.name, resolution, start);
        recent.addLast(rollup);
        int kept = switch (resolution) {
            case MINUTE -> MINUTES_KEPT;
            case HOUR -> HOURS_KEPT;
            case DAY -> DAYS_KEPT;
        };
        if (recent.size() > kept) {
            recent.removeFirst();
        }
        return rollup;
    }

    private static Verdict judgeLimit(VolumeInterval interval) {
        EffectivePolicy policy = interval.policy();
        long iops = interval.iopsLimit();
        if (iops > 0 && policy.burst().iops() > iops) {
            iops = policy.burst().iops();
        }
        long bandwidth = policy.bandwidth().effectiveTotal();
        if (bandwidth > 0 && policy.burst().bandwidth() > bandwidth) {
            bandwidth = policy.burst().bandwidth();
        }
        double seconds = interval.seconds();
        // Per limit: -1 not set, 0 exceeded, 1 kept. Written out rather than looped over a table: every
        // managed volume is judged every interval.
        int iopsKept = kept(iops, interval.normalizedOps(), seconds);
        int readKept = kept(policy.iops().read(), interval.readOps(), seconds);
        int writeKept = kept(policy.iops().write(), interval.writeOps(), seconds);
        int bandwidthKept = kept(bandwidth, interval.readBytes() + interval.writeBytes(), seconds);
        int readBandwidthKept = kept(policy.bandwidth().read(), interval.readBytes(), seconds);
        int writeBandwidthKept = kept(policy.bandwidth().write(), interval.writeBytes(), seconds);
        boolean judged = Math.max(
                        Math.max(Math.max(iopsKept, readKept), Math.max(writeKept, bandwidthKept)),
                        Math.max(readBandwidthKept, writeBandwidthKept))
                >= 0;
        boolean met = iopsKept != 0
                && readKept != 0
                && writeKept != 0
                && bandwidthKept != 0
                && readBandwidthKept != 0
                && writeBandwidthKept != 0;
        return !judged ? Verdict.NOT_APPLICABLE : met ? Verdict.MET : Verdict.MISSED;
    }

    private static int kept(long limit, long amount, double seconds) {
        if (limit <= 0) {
            return -1;
        }
        return amount / seconds <= limit * (1 + TOLERANCE) ? 1 : 0;
    }

    private static Verdict judgeReservation(VolumeInterval interval) {
        long reserved = interval.policy().reservedIops();
        if (reserved == 0) {
            return Verdict.NOT_APPLICABLE;
        }
        boolean shortchanged = interval.held() && interval.normalizedIops() < reserved * (1 - TOLERANCE);
        return shortchanged ? Verdict.MISSED : Verdict.MET;
    }

    /**
     * The product's latency verdict on one interval's or one window's histograms: met when each direction's percentile
     * is within its threshold, with no tolerance; not applicable when neither judged direction did I/O. Public so that
     * benchmarks judge a window by this very rule rather than a copy of it.
     */
    public static Verdict judgeLatency(long[] read, long[] write, LatencyObjective objective) {
        if (!objective.isSet()) {
            return Verdict.NOT_APPLICABLE;
        }
        boolean judged = false;
        boolean met = true;
        if (objective.readMicros() > 0 && LatencyHistogram.count(read) > 0) {
            judged = true;
            met &= LatencyHistogram.percentileMicros(read, objective.percentile()) <= objective.readMicros();
        }
        if (objective.writeMicros() > 0 && LatencyHistogram.count(write) > 0) {
            judged = true;
            met &= LatencyHistogram.percentileMicros(write, objective.percentile()) <= objective.writeMicros();
        }
        return !judged ? Verdict.NOT_APPLICABLE : met ? Verdict.MET : Verdict.MISSED;
    }
}
