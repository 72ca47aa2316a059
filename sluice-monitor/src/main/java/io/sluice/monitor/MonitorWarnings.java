package io.sluice.monitor;

import io.sluice.common.EpochClock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What gateways did wrong, or what the monitor could not hand on: each counted, and logged (the frequent ones at most
 * once per {@link #DROP_LOG_MILLIS}, with a compare-and-set on the last log time so concurrent inbound threads log
 * once). Any thread.
 */
final class MonitorWarnings {
    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    private static final long DROP_LOG_MILLIS = 10_000;

    private final AtomicLong dropLoggedAt = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong refuseLoggedAt = new AtomicLong(Long.MIN_VALUE / 2);
    private final MonitorCounters counters;
    private final EpochClock clock;
    private final int maxVolumesPerGateway;

    MonitorWarnings(MonitorCounters counters, EpochClock clock, int maxVolumesPerGateway) {
        this.counters = counters;
        this.clock = clock;
        this.maxVolumesPerGateway = maxVolumesPerGateway;
    }

    /**
     * A gateway announced volumes flagged shared under names no operator bound to it: those volumes got no id (the rest
     * of the gateway is served), counted one by one and logged once for the registration, with the names.
     */
    void sharedVolumesRefused(long gatewayId, List<String> names) {
        counters.sharedVolumesRefused.add(names.size());
        LOG.log(
                System.Logger.Level.WARNING,
                "gateway {0} announced {1} shared volume(s) it is not bound to, refused (no id, "
                        + "no reports, no throttles; its other volumes are served): {2}; if this gateway should serve them, bind "
                        + "each name to it (monitor.shared-volumes, or POST /api/gateways/{0}/shared-volumes/bind)",
                Long.toUnsignedString(gatewayId),
                names.size(),
                names.size() <= 10 ? names : names.subList(0, 10) + " and " + (names.size() - 10) + " more");
    }

    /**
     * The services' mailbox had no room for (the rest of) a report: counted, and logged with the gateway and the first
     * volume left out, at most once per {@link #DROP_LOG_MILLIS} with the count since.
     */
    void reportDropped(long gatewayId, long reportSequence, int firstVolumeId, int volumes) {
        counters.reportsDropped.increment();
        counters.volumesDropped.add(volumes);
        long now = clock.epochMillis();
        long last = dropLoggedAt.get();
        if (now - last >= DROP_LOG_MILLIS && dropLoggedAt.compareAndSet(last, now)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "the SLA services'' mailbox is full: report {0} of gateway {1} not handed on "
                            + "from volume {2} ({3} volumes); {4} reports and {5} volume records dropped so far",
                    reportSequence,
                    gatewayId,
                    firstVolumeId,
                    volumes,
                    counters.reportsDropped(),
                    counters.volumesDropped());
        }
    }

    /**
     * A gateway spoke for a volume it did not declare in HELLO (a lying or broken gateway): its frame is refused,
     * counted, and logged at most once per {@link #DROP_LOG_MILLIS}.
     */
    void reportRefused(long gatewayId, int volumeId) {
        counters.reportsRefused.increment();
        long now = clock.epochMillis();
        long last = refuseLoggedAt.get();
        if (now - last >= DROP_LOG_MILLIS && refuseLoggedAt.compareAndSet(last, now)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "gateway {0} reported volume {1}, which it did not declare: frame refused; " + "{2} refused so far",
                    gatewayId,
                    volumeId,
                    counters.reportsRefused());
        }
    }

    /** A gateway announced more volumes than {@link MonitorContext#maxVolumesPerGateway()}: counted and logged. */
    void tooManyVolumes(long gatewayId, long volumes) {
        volumeLimitRefusal(
                "refused gateway {0}: it serves {1} volumes, this server accepts {2} per gateway "
                        + "(monitor.max-volumes-per-gateway)",
                Long.toUnsignedString(gatewayId), volumes, maxVolumesPerGateway);
    }

    /** A gateway's volumes would take it, or the server, past the names ever given ids: counted and logged. */
    void tooManyVolumeNames(long gatewayId) {
        volumeLimitRefusal(
                "closed gateway {0}: its volumes' names would take it past {1} names ever "
                        + "given ids ({2} x monitor.max-volumes-per-gateway) or the server past {3}",
                Long.toUnsignedString(gatewayId),
                VolumeIdentities.namesPerGateway(maxVolumesPerGateway),
                VolumeIdentities.NAMES_PER_VOLUME_PLACE,
                VolumeIdentities.MAX_NAMES);
    }

    private void volumeLimitRefusal(String format, Object... params) {
        counters.volumeLimitRefusals.increment();
        LOG.log(System.Logger.Level.WARNING, format, params);
    }
}
