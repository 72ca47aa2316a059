package io.sluice.services.daemon;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.EventKind;
import io.sluice.protocol.EventReader;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchError;
import io.sluice.protocol.ReportBatchReader;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.services.capacity.CapacityWatch;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.compliance.Severity;
import io.sluice.services.control.PerformanceAnalyzer;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumeTracker;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.stats.RecentStats;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calls of the {@code services} mailbox, from the monitor: STATS reports (alone or in batches), gateway events,
 * volume announcements and gateway states. Each volume is admitted to the {@link VolumeTracker} (the services keep
 * state for at most {@code services.max-volumes}), placed if nobody configured it, and its numbers go to the analyzer,
 * the recent statistics, the capacity watch, the {@link DiscoveredGateways} and the database forwarder; volumes their
 * gateways fell silent on are evicted from all of them.
 *
 * <p>Not thread-safe: the services' loop thread does everything; the counters are atomic for readers.
 */
final class ReportIntake {
    private static final System.Logger LOG = System.getLogger(ReportIntake.class.getName());
    /** The alert raised while the services refuse new volumes, being at {@link VolumeLimits#maxVolumes()}. */
    static final String VOLUME_LIMIT_ALERT = "services:volume-limit";
    /** Refusals over the volume limit are logged at most this often. */
    static final long REFUSAL_LOG_MILLIS = 10_000;
    /** What a backend nobody configured is assumed to serve until the estimator learns it (see placeIfNew). */
    static final long DISCOVERED_BACKEND_IOPS = 100_000;

    private final EpochClock clock;
    private final Inventory inventory;
    private final PolicyBook book;
    private final PerformanceAnalyzer analyzer;
    private final RecentStats recent;
    private final CapacityWatch capacity;
    private final DiscoveredGateways registry;
    private final ComplianceJudge judge;
    private final VolumeTracker tracker;
    private final SentIopsLimits sentLimits;
    /** The database forwarder and what feeds it; both null when nothing is forwarded. */
    private final DbForwarder db;

    private final DbFeed dbFeed;
    private final StatsReader stats = new StatsReader();
    private final EventReader event = new EventReader();
    private final GatewayVolumesDescriptor.Reader gatewayVolumes = new GatewayVolumesDescriptor.Reader();
    private final ReportBatchReader batchReader = new ReportBatchReader();
    private final AtomicLong reports = new AtomicLong();
    /** Report batches refused whole and single entries of batches refused (ReportBatchError), since the start. */
    private final AtomicLong reportEntriesRefused = new AtomicLong();

    private long batchRefusalLoggedAt = Long.MIN_VALUE / 2;
    private long refusalLoggedAt = Long.MIN_VALUE / 2;
    private boolean volumeLimitAlerted;
    private final long sweepEveryMillis;
    private long nextSweepAt;

    /** @param sweepEveryMillis how often the volumes their gateways fell silent on are looked for */
    ReportIntake(
            EpochClock clock,
            long sweepEveryMillis,
            Inventory inventory,
            PolicyBook book,
            PerformanceAnalyzer analyzer,
            RecentStats recent,
            CapacityWatch capacity,
            DiscoveredGateways registry,
            ComplianceJudge judge,
            VolumeTracker tracker,
            SentIopsLimits sentLimits,
            DbForwarder db,
            DbFeed dbFeed) {
        this.clock = clock;
        this.sweepEveryMillis = sweepEveryMillis;
        this.nextSweepAt = clock.epochMillis() + sweepEveryMillis;
        this.inventory = inventory;
        this.book = book;
        this.analyzer = analyzer;
        this.recent = recent;
        this.capacity = capacity;
        this.registry = registry;
        this.judge = judge;
        this.tracker = tracker;
        this.sentLimits = sentLimits;
        this.db = db;
        this.dbFeed = dbFeed;
    }

    void onRequest(MailboxCallee.Request request) {
        long now = clock.epochMillis();
        switch (request.opcode()) {
            case MailboxOpcodes.SERVICES_STATS_REPORT -> {
                takeReport(request.params().asSlice(0, request.length()).asByteBuffer(), 0, now);
                answerReports(request);
            }
            case MailboxOpcodes.SERVICES_STATS_BATCH -> takeBatch(request, now);
            case MailboxOpcodes.SERVICES_GATEWAY_EVENT -> {
                ByteBuffer frame = request.params().asSlice(0, request.length()).asByteBuffer();
                event.wrap(frame, 0);
                if (event.kind() == EventKind.NEW_VOLUME && admit(event.gatewayId(), event.volumeId(), now)) {
                    placeIfNew(event.gatewayId(), event.volumeId(), event.volumeCapacity());
                    registry.onVolume(
                            event.gatewayId(), event.volumeId(), event.volumeCapacity(), event.usedBytes(), now);
                }
                request.reply(MailboxStatus.OK, 0);
            }
            case MailboxOpcodes.SERVICES_GATEWAY_VOLUMES -> takeAnnouncement(request, now);
            case MailboxOpcodes.SERVICES_GATEWAY_STATE -> {
                ByteBuffer params =
                        request.params().asSlice(0, request.length()).asByteBuffer();
                if (request.length() >= GatewayStateDescriptor.LENGTH) {
                    var state = GatewayStateDescriptor.GatewayState.fromCode(
                            params.getInt(GatewayStateDescriptor.STATE_OFFSET));
                    if (state != null) {
                        registry.onState(
                                params.getLong(GatewayStateDescriptor.GATEWAY_ID_OFFSET),
                                state.name(),
                                params.getLong(GatewayStateDescriptor.AT_OFFSET));
                    }
                }
                request.reply(MailboxStatus.OK, 0);
            }
            default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
        }
    }

    private void takeBatch(MailboxCallee.Request request, long now) {
        ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
        ReportBatchError refused = batchReader.wrap(params, request.length());
        if (refused != null) {
            refuseBatchEntry(refused, request.correlationId(), -1, 0, now);
            request.reply(CallStatus.INVALID, 0);
            return;
        }
        // Each entry exactly as if it had come alone, in the order the monitor took them in.
        for (int i = 0; i < batchReader.entryCount(); i++) {
            ReportBatchError damaged = batchReader.check(i);
            if (damaged == null) {
                takeReport(params, batchReader.entryOffset(i), now);
            } else {
                refuseBatchEntry(damaged, request.correlationId(), i, batchReader.entryCount(), now);
            }
        }
        answerReports(request);
    }

    /** A gateway's announcement of its volumes (maybe in parts): the ones it no longer lists are evicted at the end. */
    private void takeAnnouncement(MailboxCallee.Request request, long now) {
        ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
        if (!GatewayVolumesDescriptor.isWellFormed(params, request.length())) {
            request.reply(CallStatus.INVALID, 0);
            return;
        }
        GatewayVolumesDescriptor.Reader volumes = gatewayVolumes.wrap(params);
        String gatewayName = volumes.gatewayName();
        if (volumes.first() == 0) {
            tracker.announcementBegins(volumes.gatewayId());
            analyzer.onCapabilities(volumes.gatewayId(), volumes.capabilities());
        }
        for (int i = 0; i < volumes.count(); i++) {
            if (!admit(volumes.gatewayId(), volumes.volumeId(i), now)) {
                continue;
            }
            placeIfNew(volumes.gatewayId(), volumes.volumeId(i), volumes.volumeCapacity(i));
            registry.onNamedVolume(
                    volumes.gatewayId(),
                    gatewayName,
                    volumes.volumeId(i),
                    volumes.volumeName(i),
                    (volumes.volumeFlags(i) & VolumeDescriptor.FLAG_SHARED) != 0,
                    volumes.volumeCapacity(i),
                    now);
        }
        if (volumes.first() + volumes.count() == volumes.total()) {
            tracker.announcementEnds(volumes.gatewayId(), this::evict);
        }
        if (db != null) {
            dbFeed.sightings();
        }
        request.reply(MailboxStatus.OK, 0);
    }

    /**
     * One STATS frame at {@code offset} of {@code frame}: its volumes admitted, placed and registered, its numbers to
     * the analyzer, the recent statistics and the capacity watch, its samples to the database forwarder (whose caller
     * decides on the reply, once per call).
     */
    private void takeReport(ByteBuffer frame, int offset, long now) {
        stats.wrap(frame, offset);
        admitReport(frame, offset, now);
        for (int i = 0; i < stats.volumeCount(); i++) {
            placeIfNew(
                    stats.gatewayId(),
                    stats.volume(i).volumeId(),
                    stats.volume(i).capacityBytes());
        }
        analyzer.onStats(stats);
        recent.onStats(stats);
        for (int i = 0; i < stats.volumeCount(); i++) {
            var volume = stats.volume(i);
            capacity.onVolumeSpace(volume.volumeId(), volume.capacityBytes(), volume.usedBytes());
            registry.onVolume(stats.gatewayId(), volume.volumeId(), volume.capacityBytes(), volume.usedBytes(), now);
        }
        reports.incrementAndGet();
        if (db != null) {
            // New volumes are registered before their first samples go, not an interval later.
            dbFeed.sightings();
            db.appendSamples(stats, sentLimits::iopsLimit);
        }
    }

    /** A call of reports is answered once all their samples are posted to the database manager, or now without one. */
    private void answerReports(MailboxCallee.Request request) {
        if (db != null && db.holdReply(request.handle())) {
            request.defer();
        } else {
            request.reply(MailboxStatus.OK, 0);
        }
    }

    /**
     * A batch the monitor posted that cannot be read ({@code entry} -1), or one entry of it: counted and logged (at
     * most every {@link #REFUSAL_LOG_MILLIS}); the batch's other entries are taken all the same.
     */
    private void refuseBatchEntry(ReportBatchError error, long correlationId, int entry, int entries, long now) {
        reportEntriesRefused.incrementAndGet();
        if (now - batchRefusalLoggedAt >= REFUSAL_LOG_MILLIS) {
            batchRefusalLoggedAt = now;
            LOG.log(
                    System.Logger.Level.WARNING,
                    (entry < 0
                                    ? "report batch refused whole: " + error
                                    : "entry " + entry + " of " + entries + " of a report batch refused: " + error)
                            + " (correlation id " + Long.toUnsignedString(correlationId)
                            + ", the first entry's gateway); " + reportEntriesRefused.get()
                            + " refused so far");
        }
    }

    /**
     * Admits each volume of a STATS report to the tracker and takes the records of those refused (the services are at
     * their volume limit) out of the frame, in its slot, so nothing downstream keeps any state for them. The common
     * case, every volume admitted, moves nothing.
     */
    private void admitReport(ByteBuffer frame, int offset, long now) {
        int count = stats.volumeCount();
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (admit(stats.gatewayId(), stats.volume(i).volumeId(), now)) {
                if (kept != i) {
                    frame.put(
                            offset + StatsDescriptor.volumeOffset(kept),
                            frame,
                            offset + StatsDescriptor.volumeOffset(i),
                            StatsDescriptor.VOLUME_RECORD_LENGTH);
                }
                kept++;
            }
        }
        if (kept < count) {
            frame.putInt(offset + StatsDescriptor.VOLUME_COUNT_OFFSET, kept);
            frame.putInt(offset + FrameDescriptor.LENGTH_OFFSET, StatsDescriptor.frameLength(kept));
        }
    }

    /** Whether the services keep state for this volume of this gateway; a refusal raises the volume-limit alert. */
    private boolean admit(long gatewayId, int volumeId, long now) {
        // Whether an operator placed the volume matters only when the tracker is full: looked up only then.
        if (tracker.admit(gatewayId, volumeId, now, tracker.full() && inventory.isConfigured(volumeId))) {
            return true;
        }
        if (!volumeLimitAlerted) {
            volumeLimitAlerted = true;
            judge.alerts()
                    .raise(
                            VOLUME_LIMIT_ALERT,
                            Severity.CRITICAL,
                            "the SLA services are at their " + "limit of " + tracker.maxVolumes()
                                    + " volumes (services.max-volumes): new volumes are refused",
                            now);
        }
        if (now - refusalLoggedAt >= REFUSAL_LOG_MILLIS) {
            refusalLoggedAt = now;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "at the limit of " + tracker.maxVolumes() + " volumes (services.max-volumes): "
                            + "volume " + volumeId + " of gateway " + Long.toUnsignedString(gatewayId) + " refused, "
                            + tracker.refused() + " refusals so far; new volumes are refused until some vanish");
        }
        return false;
    }

    /** Drops the per-volume state of volumes whose gateways have been silent on them for the expiry. */
    void expireVolumes(long now) {
        if (now < nextSweepAt) {
            return;
        }
        nextSweepAt = now + sweepEveryMillis;
        tracker.expire(now, this::evict);
        if (volumeLimitAlerted && !tracker.full()) {
            volumeLimitAlerted = false;
            judge.alerts().clear(VOLUME_LIMIT_ALERT, now);
        }
    }

    /**
     * Gateway {@code gatewayId} no longer serves {@code volumeId}: what the services keep of that pair goes, and with
     * its last gateway what they keep of the volume — its recent statistics, the analyzer's state, its space, its names
     * and, when no operator placed it, its placement. SLAs, groups, compliance and alerts stay (an operator's, bounded
     * by what they configured), and so does everything in the database.
     */
    private void evict(long gatewayId, int volumeId, boolean lastGateway) {
        recent.forget(volumeId, gatewayId);
        analyzer.forget(volumeId, gatewayId);
        registry.forget(gatewayId, volumeId, lastGateway);
        sentLimits.forget(volumeId, gatewayId);
        if (lastGateway) {
            capacity.forget(volumeId);
            if (inventory.forgetDiscovered(volumeId)) {
                book.membershipChanged();
            }
        }
    }

    /**
     * A volume no configuration placed is still controlled: it goes on a backend of its own gateway's, whose capacity
     * is not known yet. Until congestion teaches the estimator better, that backend is assumed able to serve
     * {@link #DISCOVERED_BACKEND_IOPS}, so only the volume's SLA (limits, reservation, weight) binds it.
     */
    private void placeIfNew(long gatewayId, int volumeId, long capacityBytes) {
        if (inventory.volume(volumeId) != null) {
            return;
        }
        String backendId = "gateway-" + Long.toUnsignedString(gatewayId);
        if (inventory.backend(backendId) == null) {
            inventory.addBackend(new BackendProfile(backendId, DISCOVERED_BACKEND_IOPS, 0));
        }
        if (inventory.placeDiscovered(volumeId, backendId, capacityBytes)) {
            book.membershipChanged();
        }
    }

    long reports() {
        return reports.get();
    }

    /** Report batches refused whole plus single entries of batches refused as damaged, since the start. */
    long reportEntriesRefused() {
        return reportEntriesRefused.get();
    }
}
