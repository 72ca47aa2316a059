package io.sluice.gateway.link;

import io.sluice.gateway.Gateway;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.qos.QosParameters;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.gateway.qos.QosStatus;
import io.sluice.gateway.stats.VolumeStats;
import io.sluice.protocol.SessionVolumes;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The gateway's exports as its monitor session sees them: VOLUMES' entries, STATS records from the gateway's counters
 * (since the previous report, {@link ReportBaseline}), capacity warnings, and THROTTLE_SET applied through
 * {@code QosControl}. A volume's position is its export's position in the configuration. Link thread only, except
 * {@link #applied()}.
 */
final class LinkVolumes implements SessionVolumes {
    private static final System.Logger LOG = System.getLogger(MonitorLink.class.getName());

    private final MonitorLinkConfig config;
    private final Gateway gateway;
    private final Export[] exports;
    private final ReportBaseline[] baselines;
    private final boolean[] capacityWarned;
    /** By position: the monitor refused the volume (shared under a name not bound to this gateway). */
    private final boolean[] refused;

    private List<VolumeStats> stats = List.of();
    private volatile long applied;

    LinkVolumes(MonitorLinkConfig config, Gateway gateway) {
        this.config = config;
        this.gateway = gateway;
        this.exports = gateway.exports().all().toArray(Export[]::new);
        this.baselines = new ReportBaseline[exports.length];
        for (int i = 0; i < exports.length; i++) {
            baselines[i] = new ReportBaseline();
        }
        this.capacityWarned = new boolean[exports.length];
        this.refused = new boolean[exports.length];
    }

    /** Volumes whose parameters a THROTTLE_SET changed; any thread. */
    long applied() {
        return applied;
    }

    @Override
    public int count() {
        return exports.length;
    }

    @Override
    public int proposedId(int position) {
        return MonitorLink.volumeId(config.volumeIdBase(), exports[position].id());
    }

    @Override
    public int flags(int position) {
        Export export = exports[position];
        return (export.readOnly() ? VolumeDescriptor.FLAG_READ_ONLY : 0)
                | (export.shared() ? VolumeDescriptor.FLAG_SHARED : 0);
    }

    @Override
    public long sizeBytes(int position) {
        return exports[position].size();
    }

    @Override
    public long capacityBytes(int position) {
        return stats.get(position).capacityBytes();
    }

    @Override
    public long usedBytes(int position) {
        return stats.get(position).usedBytes();
    }

    @Override
    public String wireName(int position) {
        return wireName(exports[position].name());
    }

    /** The export name as VOLUMES carries it: at most 64 bytes of UTF-8, cut at a character boundary. */
    static String wireName(String name) {
        String cut = name;
        while (cut.getBytes(StandardCharsets.UTF_8).length > VolumeDescriptor.MAX_NAME_LENGTH) {
            cut = cut.substring(0, cut.offsetByCodePoints(0, cut.codePointCount(0, cut.length()) - 1));
        }
        return cut;
    }

    @Override
    public void assigned(int position, int volumeId) {
        refused[position] = volumeId == VolumeIdsDescriptor.REFUSED;
        if (refused[position]) {
            Export export = exports[position];
            LOG.log(
                    System.Logger.Level.WARNING,
                    "monitor link: the SLA server refused volume " + export.name()
                            + (export.shared()
                                    ? " (shared: its operator has not bound the name to gateway "
                                            + Long.toUnsignedString(config.gatewayId())
                                            + ", monitor.shared-volumes)"
                                    : "")
                            + "; it is served, but not reported on or throttled by the server");
        }
    }

    @Override
    public void snapshot() {
        stats = gateway.stats();
    }

    @Override
    public void report(int position, VolumeStatsFlyweight record, int intervalMillis) {
        baselines[position].write(stats.get(position), record.volumeId(), record);
    }

    @Override
    public void reported() {
        for (int i = 0; i < exports.length; i++) {
            if (!refused[i]) {
                baselines[i].commit();
            }
        }
    }

    @Override
    public boolean takeCapacityWarning(int position) {
        int percent = config.capacityWarningPercent();
        if (percent == 0 || position >= stats.size()) {
            return false;
        }
        VolumeStats volume = stats.get(position);
        boolean full = volume.capacityBytes() > 0
                && volume.usedBytes() >= 0
                && volume.usedBytes() * 100.0 >= volume.capacityBytes() * (double) percent;
        boolean crossed = full && !capacityWarned[position];
        capacityWarned[position] = full;
        return crossed;
    }

    @Override
    public ThrottleAckStatus apply(int position, ThrottleParamsFlyweight params) {
        int exportId = exports[position].id();
        QosSetting current = gateway.qos().current(exportId);
        if (current == null) {
            return ThrottleAckStatus.UNSUPPORTED;
        }
        ThrottleAckStatus refusal = ThrottleTranslation.refusal(params);
        if (refusal != null) {
            return refusal;
        }
        QosParameters parameters =
                ThrottleTranslation.parameters(params, current.parameters().maxDelayNanos());
        if (parameters == null) {
            return ThrottleAckStatus.INVALID;
        }
        int outcome = gateway.qos().apply(exportId, params.version(), parameters);
        if (outcome == QosStatus.APPLIED) {
            applied++;
        }
        return ThrottleTranslation.ackStatus(outcome);
    }

    @Override
    public long versionInForce(int position) {
        QosSetting inForce = gateway.qos().current(exports[position].id());
        return inForce == null ? 0 : inForce.version();
    }
}
