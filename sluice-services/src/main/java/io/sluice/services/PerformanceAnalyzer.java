package io.sluice.services;

import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.StatsReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns statistics and SLAs into throttle parameters, once per poll interval, as a single-threaded
 * {@link #doWork(long)} against the caller's clock. Each interval, per backend:
 *
 * <ol>
 *   <li>estimate each volume's demand from what its gateways delivered and held back ({@link #demandOf});
 *   <li>update the backend's capacity estimate from its latency ({@link CapacityEstimator});
 *   <li>divide each capped group's IOPS and bandwidth limits among its volumes ({@link #capGroups});
 *   <li>divide the capacity: reservations, then demand by class and weight, then headroom ({@link FairShareAllocator});
 *   <li>split each volume's allocation, limits and reservation across the gateways serving it, in proportion to each
 *       gateway's share of the demand;
 *   <li>move each gateway's limit toward its share in bounded steps ({@link StepLimiter}) and send only the sets that
 *       changed.
 * </ol>
 *
 * Statistics that arrive between two intervals ({@link #onStats}) are used at the next one, the newest report of each
 * gateway and volume counting (the interval is the poll interval); so are SLA edits. Gateways and the volumes they
 * serve are discovered from the statistics themselves; samples of a volume the {@link Inventory} does not place are
 * counted and set aside ({@link #ignoredSamples()}).
 *
 * <p>A volume under an operator's {@link ManualThrottle} is measured and reported as any other, but its parameters are
 * the throttle's, split across its gateways by demand like any limit, sent as they are (no bounded steps toward them,
 * no burst, no reservation) and never overridden; the backend's allocation holds it to the throttle's IOPS. From the
 * first interval after the throttle's expiry the volume is the analyzer's again, and its limits move from the
 * throttle's toward its allocation in the usual bounded steps.
 *
 * <p>Not thread-safe: one thread calls {@link #onStats}, {@link #doWork} and the accessors.
 */
public final class PerformanceAnalyzer implements CapacityView {
    /** A volume held back at its limit is offered this much more next time, to find out what it wants. */
    static final double PROBE = 1.5;
    /** A volume running at this share of its limit, with I/O held back, is bound by the limit. */
    static final double BOUND_SHARE = 0.95;
    /** A queue that moved by less than this share between two intervals holds steady. */
    static final double QUEUE_STEADY_SHARE = 0.05;
    /** A volume that got all it asked for is given this much room over what it used. */
    static final double HEADROOM = 1.1;
    /** A backend without latency objectives counts as congested at this multiple of its idle latency. */
    static final double DEFAULT_CONGESTION_FACTOR = 20;
    /** Fewer operations than this in an interval say too little about a percentile to act on. */
    static final int MIN_LATENCY_OPS = 20;
    /** A gateway silent for this many intervals no longer serves the volume. */
    static final int STALE_INTERVALS = 3;
    /** The largest IOPS limit a THROTTLE_SET carries (an unsigned 32-bit field). */
    static final long MAX_WIRE_IOPS = 0xFFFF_FFFFL;
    /** Every gateway keeps at least this share of an even split, so an idle path can start up. */
    static final double MIN_PATH_SHARE = 0.05;
    /**
     * A volume with demand keeps at least this share of its backend's capacity (its ceiling permitting): a low class
     * squeezed to a handful of IOPS learns nothing about what it wants and starves its clients.
     */
    static final double FLOOR_SHARE = 0.05;

    private final Inventory inventory;
    private final PolicyBook policies;
    private final long intervalMillis;
    private final ThrottleSink sink;
    private final IntervalObserver observer;
    private final PolicyRules rules;
    private final ManualThrottles manual;
    private final Map<String, CapacityEstimator> estimators = new HashMap<>();
    private final Map<String, ObjectiveAim> aims = new HashMap<>();
    private final Map<Integer, VolumeState> volumes = new LinkedHashMap<>();
    /** A path (volume, gateway). */
    private record PathKey(int volumeId, long gatewayId) {}

    /** Sets a server before this one sent last, for paths that have not reported yet ({@link #restoreSent}). */
    private final Map<PathKey, ThrottleParams> restored = new HashMap<>();

    private final List<VolumeSample> pending = new ArrayList<>();
    /** The volumes of each group, as of {@link #groupsRevision}; those without gateways are skipped when used. */
    private final Map<Scope, List<VolumeState>> groupMembers = new HashMap<>();

    private long groupsRevision = -1;
    private int groupsVolumeCount = -1;
    /** Policies combined at {@link #policyRevision}; recombined only after an edit. */
    private Map<Integer, EffectivePolicy> effective;

    private long policyRevision;
    private long nextTickAt;
    private long ignoredSamples;
    private long setsSent;
    private long ticks;
    private long lastTickNanos;

    public PerformanceAnalyzer(
            Inventory inventory,
            PolicyBook policies,
            long intervalMillis,
            long now,
            ThrottleSink sink,
            IntervalObserver observer) {
        this(inventory, policies, intervalMillis, now, sink, observer, PolicyRules.none());
    }

    /** With the policy manager's {@code rules} applied to every volume's ceiling and fed each interval's verdicts. */
    public PerformanceAnalyzer(
            Inventory inventory,
            PolicyBook policies,
            long intervalMillis,
            long now,
            ThrottleSink sink,
            IntervalObserver observer,
            PolicyRules rules) {
        this(inventory, policies, intervalMillis, now, sink, observer, rules, new ManualThrottles());
    }

    /** As above, sending an operator's throttle in {@code manual} for its volume while it is in force. */
    public PerformanceAnalyzer(
            Inventory inventory,
            PolicyBook policies,
            long intervalMillis,
            long now,
            ThrottleSink sink,
            IntervalObserver observer,
            PolicyRules rules,
            ManualThrottles manual) {
        this.rules = rules;
        this.manual = manual;
        this.inventory = inventory;
        this.policies = policies;
        this.intervalMillis = intervalMillis;
        this.sink = sink;
        this.observer = observer;
        this.nextTickAt = now + intervalMillis;
    }

    /** Takes every volume record of a STATS frame; they count at the next interval. */
    public void onStats(StatsReader stats) {
        for (int i = 0; i < stats.volumeCount(); i++) {
            onSample(VolumeSample.from(stats, i));
        }
    }

    public void onSample(VolumeSample sample) {
        pending.add(sample);
    }

    /** Runs an interval if one is due; returns the number of parameter sets sent. */
    public int doWork(long now) {
        if (now < nextTickAt) {
            return 0;
        }
        nextTickAt = Math.max(nextTickAt + intervalMillis, now + 1);
        long started = System.nanoTime();
        int sent = tick(now);
        lastTickNanos = System.nanoTime() - started;
        ticks++;
        return sent;
    }

    /** When the next interval runs: an SLA edit made now takes effect then. */
    public long nextIntervalAt() {
        return nextTickAt;
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    public long ticks() {
        return ticks;
    }

    /** How long the last interval's work took, wall-clock nanoseconds. */
    public long lastTickNanos() {
        return lastTickNanos;
    }

    /** The IOPS ceiling the volume was held to at the last interval (SLA, scaling and policies); 0 for none. */
    public long limitOf(int volumeId) {
        VolumeState volume = volumes.get(volumeId);
        return volume == null ? 0 : volume.limit;
    }

    /** The gateways that served the volume at the last interval. */
    public Set<Long> gatewaysOf(int volumeId) {
        VolumeState volume = volumes.get(volumeId);
        return volume == null ? Set.of() : Set.copyOf(volume.paths.keySet());
    }

    @Override
    public long capacityIops(String backendId) {
        return (long) estimator(backendId).estimate();
    }

    /** The allocation made for {@code volumeId} at the last interval, normalized IOPS; 0 when unknown. */
    public double allocationOf(int volumeId) {
        VolumeState volume = volumes.get(volumeId);
        return volume == null ? 0 : volume.allocation;
    }

    /** The operator's throttle the last interval sent for {@code volumeId}, or null when the analyzer decided. */
    public ManualThrottle manualOf(int volumeId) {
        VolumeState volume = volumes.get(volumeId);
        return volume == null ? null : volume.manual;
    }

    /** The parameters last sent for {@code volumeId} to {@code gatewayId}, or null. */
    public ThrottleParams paramsOf(int volumeId, long gatewayId) {
        VolumeState volume = volumes.get(volumeId);
        PathState path = volume == null ? null : volume.paths.get(gatewayId);
        return path == null ? null : path.sent;
    }

    /**
     * The parameters last sent for these volumes did not reach {@code gatewayId}: the next interval sends them again
     * (with a new version) even if nothing changed.
     */
    public void notDelivered(long gatewayId, int[] volumeIds) {
        for (int volumeId : volumeIds) {
            VolumeState volume = volumes.get(volumeId);
            PathState path = volume == null ? null : volume.paths.get(gatewayId);
            if (path != null) {
                path.delivered = false;
            }
        }
    }

    /**
     * Forgets what {@code gatewayId} reported on {@code volumeId}, and the parameters sent for it; with the volume's
     * last gateway, the volume's state goes too. A volume that comes back starts afresh, as a new one does: its first
     * parameters go out with a version taken from the clock, above any sent before.
     */
    public void forget(int volumeId, long gatewayId) {
        VolumeState volume = volumes.get(volumeId);
        if (volume == null) {
            return;
        }
        volume.paths.remove(gatewayId);
        if (volume.paths.isEmpty()) {
            volumes.remove(volumeId);
            if (effective != null) {
                effective.remove(volumeId);
            }
            // The groups are worked out again: counting volumes would miss one gone and one come.
            groupsVolumeCount = -1;
        }
    }

    /** Volumes the analyzer keeps state for. */
    public int volumeCount() {
        return volumes.size();
    }

    /** Samples set aside: of a volume the inventory does not place, or over an empty interval. */
    public long ignoredSamples() {
        return ignoredSamples;
    }

    public long setsSent() {
        return setsSent;
    }

    private CapacityEstimator estimator(String backendId) {
        return estimators.computeIfAbsent(
                backendId, id -> new CapacityEstimator(inventory.backend(id).nominalIops()));
    }

    private int tick(long now) {
        if (policyRevision != policies.revision() || effective == null) {
            effective = policies.effectiveAll();
            policyRevision = policies.revision();
        }
        ingest();
        Map<String, List<VolumeState>> byBackend = new LinkedHashMap<>();
        for (VolumeState volume : volumes.values()) {
            volume.policy = effective.computeIfAbsent(volume.placement.volumeId(), policies::effective);
            volume.measure();
            volume.limit = rules.adjustLimit(volume.policy, volume.scaledLimit(), volume.deliveredIops, now);
            volume.manual = manual.isEmpty() ? null : manual.inForce(volume.placement.volumeId(), now);
            if (volume.manual != null && volume.manual.iopsLimit() > 0) {
                volume.limit = volume.manual.iopsLimit();
            }
            if (!volume.paths.isEmpty()) {
                byBackend
                        .computeIfAbsent(volume.placement.backendId(), id -> new ArrayList<>())
                        .add(volume);
            }
        }
        capGroups();
        for (Map.Entry<String, List<VolumeState>> entry : byBackend.entrySet()) {
            allocateBackend(entry.getKey(), entry.getValue());
        }
        Map<Long, List<ThrottleParams>> changed = new LinkedHashMap<>();
        for (List<VolumeState> on : byBackend.values()) {
            for (VolumeState volume : on) {
                volume.splitAcrossGateways(now, volume.backendCapacity, changed);
            }
        }
        List<VolumeInterval> observed = new ArrayList<>();
        for (VolumeState volume : volumes.values()) {
            if (volume.reported) {
                observed.add(volume.toInterval(now));
            }
        }
        int sent = 0;
        for (Map.Entry<Long, List<ThrottleParams>> entry : changed.entrySet()) {
            sink.send(entry.getKey(), List.copyOf(entry.getValue()));
            sent += entry.getValue().size();
        }
        setsSent += sent;
        observer.onInterval(now, observed);
        rules.onInterval(now, observed);
        return sent;
    }

    /**
     * The last set sent on a path, as stored by a server before this one (the database manager's
     * {@code throttle.list}): the path, when it first reports, starts from it (its limit, and versions above its
     * version) instead of afresh, and sends it again at the next interval. Ignored for a path that has sent a set
     * already. Kept until the path reports.
     */
    public void restoreSent(long gatewayId, ThrottleParams params) {
        VolumeState volume = volumes.get(params.volumeId());
        PathState path = volume == null ? null : volume.paths.get(gatewayId);
        if (path != null) {
            if (path.sent == null) {
                path.sent = params;
                path.delivered = false;
            }
            return;
        }
        restored.put(new PathKey(params.volumeId(), gatewayId), params);
    }

    private PathState newPath(int volumeId, long gatewayId) {
        PathState path = new PathState(gatewayId);
        ThrottleParams before = restored.isEmpty() ? null : restored.remove(new PathKey(volumeId, gatewayId));
        if (before != null) {
            path.sent = before;
            path.delivered = false;
        }
        return path;
    }

    private void ingest() {
        for (VolumeSample sample : pending) {
            VolumePlacement placement = inventory.volume(sample.volumeId());
            if (placement == null || sample.intervalMillis() <= 0) {
                ignoredSamples++;
                continue;
            }
            VolumeState volume = volumes.computeIfAbsent(sample.volumeId(), id -> new VolumeState(placement));
            volume.placement = placement;
            volume.paths.computeIfAbsent(sample.gatewayId(), id -> newPath(sample.volumeId(), id)).sample = sample;
        }
        pending.clear();
    }

    /**
     * A group SLA's bandwidth limit caps the sum of its volumes' bytes per second: divided among the members by their
     * bandwidth reservations, then their measured bandwidth demand by class and weight, each member's bandwidth ceiling
     * becomes the smaller of its own and its share. The gateways enforce it.
     */
    private void capGroupBandwidth(Scope group, Sla sla) {
        List<VolumeState> members = reporting(groupMembers.getOrDefault(group, List.of()));
        int n = members.size();
        double[] demand = new double[n];
        double[] limit = new double[n];
        double[] reservation = new double[n];
        int[] weight = new int[n];
        PriorityClass[] priority = new PriorityClass[n];
        for (int i = 0; i < n; i++) {
            VolumeState volume = members.get(i);
            demand[i] = volume.bandwidthDemand;
            limit[i] = volume.bandwidthLimit;
            reservation[i] = volume.policy.reservedBandwidth();
            weight[i] = volume.policy.weight();
            priority[i] = volume.policy.priority();
        }
        double[] share = FairShareAllocator.allocate(
                sla.bandwidth().effectiveTotal(), demand, limit, reservation, weight, priority);
        for (int i = 0; i < n; i++) {
            VolumeState member = members.get(i);
            member.bandwidthLimit = Limits.min(member.bandwidthLimit, Math.max(1, (long) Math.ceil(share[i])));
        }
    }

    /** The volumes that some gateway serves now. */
    private static List<VolumeState> reporting(List<VolumeState> volumes) {
        List<VolumeState> serving = new ArrayList<>(volumes.size());
        for (VolumeState volume : volumes) {
            if (!volume.paths.isEmpty()) {
                serving.add(volume);
            }
        }
        return serving;
    }

    private void allocateBackend(String backendId, List<VolumeState> on) {
        CapacityEstimator estimator = estimator(backendId);
        double delivered = 0;
        double idleReserved = 0;
        double raised = 0;
        for (VolumeState volume : on) {
            delivered += volume.deliveredIops;
            idleReserved += Math.max(0, volume.policy.reservedIops() - volume.deliveredIops);
            raised += volume.raisedWhileHeld;
        }
        double ratio = objectiveRatio(on);
        boolean hasAim = !Double.isNaN(ratio);
        ObjectiveAim aim = aims.computeIfAbsent(backendId, id -> new ObjectiveAim());
        aim.update(ratio);
        double pressure = hasAim ? ratio / aim.margin() : congestionPressure(inventory.backend(backendId), on);
        estimator.update(delivered, idleReserved, pressure, raised, hasAim ? aim.margin() : 0);
        double capacity = estimator.estimate();

        int n = on.size();
        double[] demand = new double[n];
        double[] limit = new double[n];
        double[] reservation = new double[n];
        int[] weight = new int[n];
        PriorityClass[] priority = new PriorityClass[n];
        boolean[] held = new boolean[n];
        for (int i = 0; i < n; i++) {
            VolumeState volume = on.get(i);
            held[i] = volume.held;
            demand[i] = volume.demand;
            limit[i] = volume.groupShare > 0
                    ? Limits.min(volume.iopsLimit(), (long) Math.ceil(volume.groupShare))
                    : volume.iopsLimit();
            reservation[i] = volume.policy.reservedIops();
            weight[i] = volume.policy.weight();
            priority[i] = volume.policy.priority();
        }
        double[] allocation = FairShareAllocator.allocate(capacity, demand, limit, reservation, weight, priority);
        release(capacity, demand, limit, reservation, held, allocation);
        for (int i = 0; i < n; i++) {
            VolumeState volume = on.get(i);
            volume.allocation = Math.max(
                    allocation[i],
                    Math.min(Math.min(demand[i], FLOOR_SHARE * capacity), limit[i] > 0 ? limit[i] : Double.MAX_VALUE));
            volume.backendCapacity = capacity;
        }
    }

    /**
     * When the backend can give every volume what it wants, a capped volume that nothing holds back no longer needs the
     * throttle it got under pressure: its ceiling is lifted toward its SLA limit, but never past what the others'
     * reservations leave, so a load that comes back cannot take more than the guarantees allow before the next interval
     * holds it again. The step limiter makes the lift a few bounded steps. A volume still held back at its gateway is
     * left to the allocation: lifting it would let its queue drain as a burst. Volumes without a limit already get all
     * spare capacity as headroom.
     */
    private static void release(
            double capacity,
            double[] demand,
            double[] limit,
            double[] reservation,
            boolean[] held,
            double[] allocation) {
        double wanted = 0;
        double reserved = 0;
        for (int i = 0; i < demand.length; i++) {
            wanted += Math.max(reservation[i], limit[i] > 0 ? Math.min(demand[i], limit[i]) : demand[i]);
            reserved += reservation[i];
        }
        if (wanted > capacity) {
            return;
        }
        for (int i = 0; i < demand.length; i++) {
            if (limit[i] > 0 && !held[i]) {
                allocation[i] = Math.max(allocation[i], Math.min(limit[i], capacity - (reserved - reservation[i])));
            }
        }
    }

    /**
     * A group SLA's IOPS limit caps the sum over the group's volumes, wherever they live. Before the backends are
     * divided, the cap is divided among the members as a backend's capacity is (reservations, then demand by class and
     * weight, then headroom) and each member's share becomes a ceiling for its backend's allocation, so what a capped
     * group cannot use goes to the other volumes of the backend. A volume in several capped groups takes the smallest
     * share: the most stringent wins.
     */
    private void capGroups() {
        if (groupsRevision != policies.revision() || groupsVolumeCount != volumes.size()) {
            // Membership changes only with an edit (a group applied bumps the revision) or a new volume.
            groupsRevision = policies.revision();
            groupsVolumeCount = volumes.size();
            groupMembers.clear();
            for (VolumeState volume : volumes.values()) {
                for (Scope group : volume.placement.groups()) {
                    groupMembers.computeIfAbsent(group, g -> new ArrayList<>()).add(volume);
                }
            }
        }
        for (VolumeState volume : volumes.values()) {
            volume.groupShare = 0;
        }
        for (Map.Entry<Scope, Sla> entry : policies.attachedAll().entrySet()) {
            if (entry.getKey().isGroup() && entry.getValue().bandwidth().effectiveTotal() > 0) {
                capGroupBandwidth(entry.getKey(), entry.getValue());
            }
            long cap = entry.getValue().iops().effectiveTotal();
            if (!entry.getKey().isGroup() || cap == 0) {
                continue;
            }
            List<VolumeState> members = reporting(groupMembers.getOrDefault(entry.getKey(), List.of()));
            int n = members.size();
            double[] demand = new double[n];
            double[] limit = new double[n];
            double[] reservation = new double[n];
            int[] weight = new int[n];
            PriorityClass[] priority = new PriorityClass[n];
            for (int i = 0; i < n; i++) {
                VolumeState volume = members.get(i);
                demand[i] = volume.demand;
                limit[i] = volume.iopsLimit();
                reservation[i] = volume.policy.reservedIops();
                weight[i] = volume.policy.weight();
                priority[i] = volume.policy.priority();
            }
            double[] share = FairShareAllocator.allocate(cap, demand, limit, reservation, weight, priority);
            for (int i = 0; i < n; i++) {
                VolumeState member = members.get(i);
                double held = Math.max(1, share[i]);
                member.groupShare = member.groupShare > 0 ? Math.min(member.groupShare, held) : held;
            }
        }
    }

    /**
     * How close the backend is to its objectives: the worst ratio of a measured latency percentile to its objective
     * among the volumes on it that have one and did enough I/O to judge it. The backend aims a margin under it
     * ({@link ObjectiveAim}). NaN when no objective was judged: the backend has no aim this interval.
     */
    private static double objectiveRatio(List<VolumeState> on) {
        double pressure = Double.NaN;
        for (VolumeState volume : on) {
            LatencyObjective objective = volume.policy.latency();
            if (!objective.isSet()) {
                continue;
            }
            for (int direction = 0; direction < 2; direction++) {
                long threshold = direction == 0 ? objective.readMicros() : objective.writeMicros();
                long[] histogram = direction == 0 ? volume.readLatency : volume.writeLatency;
                if (threshold > 0 && LatencyHistogram.count(histogram) >= MIN_LATENCY_OPS) {
                    double measured = LatencyHistogram.percentileMicros(histogram, objective.percentile());
                    double ratio = measured / threshold;
                    pressure = Double.isNaN(pressure) ? ratio : Math.max(pressure, ratio);
                }
            }
        }
        return pressure;
    }

    /**
     * Without objectives to aim at, how close the backend is to congestion: its p95 against
     * {@link #DEFAULT_CONGESTION_FACTOR} times its idle latency. Above 1 is congested; 0 means too little was measured.
     */
    private static double congestionPressure(Backend backend, List<VolumeState> on) {
        long[] all = new long[LatencyBuckets.COUNT];
        for (VolumeState volume : on) {
            LatencyHistogram.add(all, volume.readLatency);
            LatencyHistogram.add(all, volume.writeLatency);
        }
        if (LatencyHistogram.count(all) < MIN_LATENCY_OPS) {
            return 0;
        }
        return LatencyHistogram.percentileMicros(all, 95) / (backend.floorLatencyMicros() * DEFAULT_CONGESTION_FACTOR);
    }

    /**
     * What a gateway's share of a volume wants, normalized IOPS. When the gateway's limit held the path back (it ran at
     * its limit with I/O waiting), the growth of the gateway's queue tells how much more it wanted: arrivals are what
     * completed plus that growth (a shrinking queue, less). A queue that holds steady while the limit still binds says
     * nothing (a closed-loop client, or a full queue), so the path is offered {@link #PROBE} times its limit and the
     * allocator caps the offer at its fair share. A path the limit did not bind wanted what it got, less what it
     * drained from a queue built up earlier (a flood that stopped completes its backlog in the interval after, which is
     * not new demand), and is given {@link #HEADROOM} over it.
     */
    static double demandOf(
            VolumeSample sample, long sizeNormalizationBytes, int previousQueueDepth, long currentLimit) {
        double seconds = sample.seconds();
        double rate = sample.normalizedOps(sizeNormalizationBytes) / seconds;
        boolean limitBound = sample.held() && currentLimit > 0 && rate >= BOUND_SHARE * currentLimit;
        int growth = sample.queueDepth() - previousQueueDepth;
        if (!limitBound) {
            return Math.max(0, rate + Math.min(0, growth) / seconds) * HEADROOM + 1;
        }
        if (Math.abs(growth) <= Math.max(1, QUEUE_STEADY_SHARE * sample.queueDepth())) {
            return Math.max(rate, currentLimit) * PROBE;
        }
        return Math.max(0, rate + growth / seconds) * HEADROOM;
    }

    /** One gateway's view of one volume. */
    private static final class PathState {
        final long gatewayId;
        VolumeSample sample;
        int queueDepth;
        int silentIntervals;
        double demand;
        ThrottleParams sent;
        /** False once the set sent was reported undelivered: the next interval sends it again, changed or not. */
        boolean delivered = true;

        PathState(long gatewayId) {
            this.gatewayId = gatewayId;
        }

        long currentLimit() {
            return sent == null ? 0 : sent.iopsLimit();
        }
    }

    /** One volume, all its gateways. */
    private static final class VolumeState {
        final Map<Long, PathState> paths = new LinkedHashMap<>();
        final long[] readLatency = new long[LatencyBuckets.COUNT];
        final long[] writeLatency = new long[LatencyBuckets.COUNT];
        VolumePlacement placement;
        EffectivePolicy policy;
        boolean reported;
        boolean held;
        double demand;
        double deliveredIops;
        double allocation;
        /** What the volume is estimated to want in bytes per second, and the ceiling it gets (0 = none). */
        double bandwidthDemand;

        long bandwidthLimit;
        /** This interval's share of the tightest group cap the volume is under; 0 when none applies. */
        double groupShare;
        /** The estimated capacity of the volume's backend this interval. */
        double backendCapacity;
        /** The ceiling for this interval: the SLA's, scaled, as the policy rules adjust it; 0 for none. */
        long limit;
        /** An operator's throttle in force this interval, sent as it is; null when the analyzer decides. */
        ManualThrottle manual;
        /** How much the last interval raised the limits of this volume's paths while it was held back at them. */
        long raisedWhileHeld;

        long readOps;
        long writeOps;
        long normalizedOps;
        long readBytes;
        long writeBytes;
        long usedBytes;
        double seconds;

        VolumeState(VolumePlacement placement) {
            this.placement = placement;
        }

        /** Adds up this interval's samples, updates each path's demand, forgets silent gateways. */
        void measure() {
            Arrays.fill(readLatency, 0);
            Arrays.fill(writeLatency, 0);
            reported = false;
            held = false;
            demand = 0;
            readOps = writeOps = normalizedOps = readBytes = writeBytes = 0;
            seconds = 0;
            long reportedUsed = 0;
            for (Iterator<PathState> it = paths.values().iterator(); it.hasNext(); ) {
                PathState path = it.next();
                VolumeSample sample = path.sample;
                if (sample == null) {
                    if (++path.silentIntervals >= STALE_INTERVALS) {
                        it.remove();
                        continue;
                    }
                } else {
                    path.silentIntervals = 0;
                    path.demand =
                            demandOf(sample, policy.sizeNormalizationBytes(), path.queueDepth, path.currentLimit());
                    path.queueDepth = sample.queueDepth();
                    reported = true;
                    held |= sample.held();
                    readOps += sample.readOps();
                    writeOps += sample.writeOps();
                    normalizedOps += sample.normalizedOps(policy.sizeNormalizationBytes());
                    readBytes += sample.readBytes();
                    writeBytes += sample.writeBytes();
                    reportedUsed = Math.max(reportedUsed, sample.usedBytes());
                    seconds = Math.max(seconds, sample.seconds());
                    LatencyHistogram.add(readLatency, sample.readLatency());
                    LatencyHistogram.add(writeLatency, sample.writeLatency());
                    path.sample = null;
                }
                demand += path.demand;
            }
            deliveredIops = seconds > 0 ? normalizedOps / seconds : 0;
            double bytesPerSecond = seconds > 0 ? (readBytes + writeBytes) / seconds : 0;
            bandwidthDemand = held ? bytesPerSecond * PROBE : bytesPerSecond * HEADROOM + 1;
            bandwidthLimit = policy.bandwidth().effectiveTotal();
            if (reportedUsed > 0) {
                usedBytes = reportedUsed;
            }
        }

        /** The SLA's IOPS ceiling for this volume, capacity scaling included; 0 for none. */
        long scaledLimit() {
            long used = usedBytes > 0 ? usedBytes : placement.allocatedBytes();
            return policy.iopsLimitFor(placement.allocatedBytes(), used);
        }

        /** The ceiling in force this interval, policy rules applied. */
        long iopsLimit() {
            return limit;
        }

        VolumeInterval toInterval(long now) {
            return new VolumeInterval(
                    placement.volumeId(),
                    policy,
                    now,
                    seconds,
                    readOps,
                    writeOps,
                    normalizedOps,
                    readBytes,
                    writeBytes,
                    held,
                    demand,
                    allocation,
                    iopsLimit(),
                    readLatency,
                    writeLatency);
        }

        /**
         * Gives each gateway its share of the allocation, limits and reservations, in proportion to its share of the
         * demand (every gateway keeping at least {@link #MIN_PATH_SHARE} of an even split), and queues the sets that
         * changed.
         */
        void splitAcrossGateways(long now, double capacity, Map<Long, List<ThrottleParams>> changed) {
            int n = paths.size();
            double shares = 0;
            for (PathState path : paths.values()) {
                shares += shareOf(path, n);
            }
            long limit = iopsLimit();
            boolean contended = limit == 0 || allocation < limit;
            raisedWhileHeld = 0;
            for (PathState path : paths.values()) {
                double share = shareOf(path, n) / shares;
                if (manual != null) {
                    queueIfChanged(now, path, manualParams(share), changed);
                    continue;
                }
                long reserved = part(policy.reservedIops(), share);
                long iops = StepLimiter.next(
                        path.currentLimit(), Math.max(1, (long) Math.ceil(allocation * share)), path.demand, capacity);
                if (limit > 0) {
                    iops = Math.min(iops, part(limit, share));
                }
                iops = Math.min(Math.max(Math.max(iops, reserved), 1), MAX_WIRE_IOPS);
                Burst burst = contended ? Burst.NONE : policy.burst();
                ThrottleParams params = new ThrottleParams(
                        placement.volumeId(),
                        0,
                        policy.weight(),
                        iops,
                        part(policy.iops().read(), share),
                        part(policy.iops().write(), share),
                        reserved,
                        part(burst.iops(), share),
                        burst.lengthMillis(),
                        policy.sizeNormalizationBytes(),
                        policy.latency().tightestMicros(),
                        part(bandwidthLimit, share),
                        part(policy.bandwidth().read(), share),
                        part(policy.bandwidth().write(), share),
                        part(policy.reservedBandwidth(), share),
                        part(burst.bandwidth(), share));
                if (held && path.sent != null && path.sent.iopsLimit() > 0 && !params.sameSettings(path.sent)) {
                    raisedWhileHeld += Math.max(0, iops - path.sent.iopsLimit());
                }
                queueIfChanged(now, path, params, changed);
            }
        }

        /** Sends {@code params} on the path, with a version above the last, unless the gateway has them in force. */
        private static void queueIfChanged(
                long now, PathState path, ThrottleParams params, Map<Long, List<ThrottleParams>> changed) {
            if (path.delivered && params.sameSettings(path.sent)) {
                return;
            }
            long version = path.sent == null ? now : Math.max(path.sent.version() + 1, now);
            path.sent = params.withVersion(version);
            path.delivered = true;
            changed.computeIfAbsent(path.gatewayId, id -> new ArrayList<>()).add(path.sent);
        }

        /**
         * The operator's throttle, this gateway's share of it: its limits alone, no reservation or burst (a reservation
         * above a manual ceiling would contradict it), the SLA's weight, size normalization and latency target kept so
         * the gateway schedules the volume's I/O as before within the ceiling.
         */
        private ThrottleParams manualParams(double share) {
            return new ThrottleParams(
                    placement.volumeId(),
                    0,
                    policy.weight(),
                    Math.min(part(manual.iopsLimit(), share), MAX_WIRE_IOPS),
                    0,
                    0,
                    0,
                    0,
                    0,
                    policy.sizeNormalizationBytes(),
                    policy.latency().tightestMicros(),
                    part(manual.bandwidthLimit(), share),
                    0,
                    0,
                    0,
                    0);
        }

        /** The path's share of the demand, at least {@link #MIN_PATH_SHARE} of an even split. */
        private double shareOf(PathState path, int n) {
            return demand > 0 ? Math.max(path.demand / demand, MIN_PATH_SHARE / n) : 1.0 / n;
        }

        /** A share of a limit, rounded up so the parts never add up to less; 0 (none) stays 0. */
        private static long part(long whole, double share) {
            return whole == 0 ? 0 : Math.max(1, (long) Math.ceil(whole * share));
        }
    }
}
