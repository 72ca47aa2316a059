package io.sluice.services.control;

import io.sluice.protocol.StatsReader;
import io.sluice.services.capacity.CapacityView;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.PolicyBook;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns statistics and SLAs into throttle parameters, once per poll interval, as a single-threaded
 * {@link #doWork(long)} against the caller's clock. Each interval, per backend:
 *
 * <ol>
 *   <li>estimate each volume's demand from what its gateways delivered and held back ({@link VolumeState#demandOf},
 *       {@link VolumeState#measure});
 *   <li>divide each capped group's IOPS and bandwidth limits among its volumes ({@link GroupCaps});
 *   <li>update the backend's capacity estimate from its latency ({@link CapacityEstimator}) and divide the capacity:
 *       reservations, then demand by class and weight, then headroom ({@link BackendAllocator});
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
    private final Inventory inventory;
    private final PolicyBook policies;
    private final long intervalMillis;
    private final ThrottleSink sink;
    private final IntervalObserver observer;
    private final PolicyRules rules;
    private final ManualThrottles manual;
    private final BackendAllocator backends;
    private final GroupCaps groupCaps;
    private final Map<Integer, VolumeState> volumes = new LinkedHashMap<>();
    /** What each gateway enforces: its sets leave out the rest. */
    private final GatewayCapabilities capabilities = new GatewayCapabilities();
    /** A path (volume, gateway). */
    private record PathKey(int volumeId, long gatewayId) {}

    /** Sets a server before this one sent last, for paths that have not reported yet ({@link #restoreSent}). */
    private final Map<PathKey, ThrottleParams> restored = new HashMap<>();

    private final List<VolumeSample> pending = new ArrayList<>();
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
        this.backends = new BackendAllocator(inventory);
        this.groupCaps = new GroupCaps(policies);
    }

    /** Takes every volume record of a STATS frame; they count at the next interval. */
    public void onStats(StatsReader stats) {
        for (int i = 0; i < stats.volumeCount(); i++) {
            onSample(VolumeSample.from(stats, i));
        }
    }

    /** A gateway's HELLO capabilities, as the monitor announced them with its volumes; its next sets follow them. */
    public void onCapabilities(long gatewayId, long announced) {
        capabilities.announced(gatewayId, announced);
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
        return backends.capacityIops(backendId);
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
            groupCaps.volumeGone();
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
        groupCaps.apply(volumes.values());
        for (Map.Entry<String, List<VolumeState>> entry : byBackend.entrySet()) {
            backends.allocate(entry.getKey(), entry.getValue());
        }
        Map<Long, List<ThrottleParams>> changed = new LinkedHashMap<>();
        for (List<VolumeState> on : byBackend.values()) {
            for (VolumeState volume : on) {
                volume.splitAcrossGateways(now, volume.backendCapacity, capabilities, changed);
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
}
