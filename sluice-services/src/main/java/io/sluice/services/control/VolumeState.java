package io.sluice.services.control;

import io.sluice.protocol.LatencyBuckets;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.Burst;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.stats.LatencyHistogram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One volume, all its gateways, as the {@link PerformanceAnalyzer} keeps it across intervals: each interval it adds up
 * its paths' samples into demand ({@link #measure}), is given a ceiling and an allocation, and splits them across its
 * gateways, queueing the sets that changed ({@link #splitAcrossGateways}).
 *
 * <p>Not thread-safe: the analyzer's thread only.
 */
final class VolumeState {
    /** A volume held back at its limit is offered this much more next time, to find out what it wants. */
    static final double PROBE = 1.5;
    /** A volume running at this share of its limit, with I/O held back, is bound by the limit. */
    static final double BOUND_SHARE = 0.95;
    /** A queue that moved by less than this share between two intervals holds steady. */
    static final double QUEUE_STEADY_SHARE = 0.05;
    /** A volume that got all it asked for is given this much room over what it used. */
    static final double HEADROOM = 1.1;
    /** A gateway silent for this many intervals no longer serves the volume. */
    static final int STALE_INTERVALS = 3;
    /** The largest IOPS limit a THROTTLE_SET carries (an unsigned 32-bit field). */
    static final long MAX_WIRE_IOPS = 0xFFFF_FFFFL;
    /** Every gateway keeps at least this share of an even split, so an idle path can start up. */
    static final double MIN_PATH_SHARE = 0.05;

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
                path.demand = demandOf(sample, policy.sizeNormalizationBytes(), path.queueDepth, path.currentLimit());
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
     * Gives each gateway its share of the allocation, limits and reservations, in proportion to its share of the demand
     * (every gateway keeping at least {@link #MIN_PATH_SHARE} of an even split), and queues the sets that changed.
     */
    void splitAcrossGateways(
            long now, double capacity, GatewayCapabilities capabilities, Map<Long, List<ThrottleParams>> changed) {
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
                queueIfChanged(
                        now,
                        path,
                        GatewayCapabilities.enforceable(manualParams(share), capabilities.of(path.gatewayId)),
                        changed);
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
            ThrottleParams wanted = new ThrottleParams(
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
            // A gateway refuses a set whole for one field it cannot enforce (a latency target, today, from any):
            // leave such fields out, so the rest applies.
            ThrottleParams params = GatewayCapabilities.enforceable(wanted, capabilities.of(path.gatewayId));
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
     * above a manual ceiling would contradict it), the SLA's weight and size normalization kept so the gateway
     * schedules the volume's I/O as before within the ceiling.
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
