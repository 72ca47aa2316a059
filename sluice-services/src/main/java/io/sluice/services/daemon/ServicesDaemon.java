package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.common.EpochClock;
import io.sluice.common.LoopWatch;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.StuckCalls;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.EventKind;
import io.sluice.protocol.EventReader;
import io.sluice.protocol.GatewayStateDescriptor;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.ReportBatchError;
import io.sluice.protocol.ReportBatchReader;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.services.Alert;
import io.sluice.services.CapacityForecaster;
import io.sluice.services.CapacityWatch;
import io.sluice.services.ComplianceJudge;
import io.sluice.services.Dimension;
import io.sluice.services.GatewayRegistry;
import io.sluice.services.IntervalVerdict;
import io.sluice.services.Inventory;
import io.sluice.services.PerformanceAnalyzer;
import io.sluice.services.PolicyBook;
import io.sluice.services.Backend;
import io.sluice.services.PolicyRules;
import io.sluice.services.RecentStats;
import io.sluice.services.ThrottleParams;
import io.sluice.services.Verdict;
import io.sluice.services.VolumeInterval;
import io.sluice.services.VolumePlacement;
import io.sluice.services.VolumeTracker;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SLA services process: takes the monitor's reports, events and gateway states from its mailbox,
 * runs the performance analyzer once per poll interval and sends the changed throttle parameters to the
 * monitor's mailbox; answers the application server's JSON calls on its query mailbox
 * ({@link ServicesQueries}); and forwards samples, verdicts, alerts and what it discovers to the database
 * manager ({@link DbForwarder}), loading SLAs, policies and groups from it when it is there. One thread
 * does it all, in a loop that sleeps on the report mailbox's doorbell between reports and ticks, because
 * the analyzer is single-threaded by design; see CONCURRENCY.md.
 */
public final class ServicesDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServicesDaemon.class.getName());
    /** Largest compliance results per {@code compliance.append} call, so a call fits a slot with room to spare. */
    static final int COMPLIANCE_RESULTS_PER_CALL = 1_000;
    /** Capacity history goes to the database manager at most this often per backend. */
    static final long BACKEND_HISTORY_MILLIS = 60_000;
    /** Volumes per volumes.upsert call: 500 of them are about 50 KiB of JSON. */
    static final int VOLUMES_PER_CALL = 500;
    /** The loop waits at most 10 ms for work; one that has not turned for this long is stuck. */
    static final long STALL_MILLIS = 30_000;
    /**
     * A call taken and not answered for this long is stuck: a report's reply is held only until its
     * samples are posted to the database manager, and a query is answered in the turn that took it.
     */
    static final long STUCK_CALL_MILLIS = 30_000;
    /** Calls taken from the report mailbox per turn at most. */
    static final int REPORTS_PER_TURN = 256;
    static final int DB_MAX_IN_FLIGHT = 8;
    static final int DB_MAX_PENDING_BATCHES = 64;
    static final int DB_MAX_PENDING_CALLS = 4_096;
    /** Samples gather at most this long: a report's reply is held until its batch is posted. */
    static final long DB_SEAL_AFTER_MILLIS = 250;
    /** Page size of the startup load. */
    static final int LOAD_PAGE = 200;
    /** A page of the startup load that failed (the database manager busy or restarting) is asked again after this. */
    static final long LOAD_RETRY_MILLIS = 1_000;
    /** The alert raised while the services refuse new volumes, being at {@link VolumeLimits#maxVolumes()}. */
    static final String VOLUME_LIMIT_ALERT = "services:volume-limit";
    /** Refusals over the volume limit are logged at most this often. */
    static final long REFUSAL_LOG_MILLIS = 10_000;

    private final Mailbox servicesMailbox;
    private final Mailbox queriesMailbox;
    private final StuckCalls stuckReports;
    private final StuckCalls stuckQueries;
    private final java.util.ArrayDeque<LoadRetry> loadRetries = new java.util.ArrayDeque<>();
    private final Mailbox monitorMailbox;
    private final MailboxCallee callee;
    private final MailboxCallee queriesCallee;
    private final MailboxCaller monitor;
    private final PerformanceAnalyzer analyzer;
    private final ComplianceJudge judge = new ComplianceJudge();
    private final PolicyRules rules;
    private final RecentStats recent = new RecentStats(RecentStats.TEN_MINUTES_AT_ONE_SECOND);
    private final GatewayRegistry registry = new GatewayRegistry();
    private final ServicesQueries queries;
    private final DbForwarder db;
    private final EpochClock clock;
    private final long intervalMillis;
    private final StatsReader stats = new StatsReader();
    private final EventReader event = new EventReader();
    private final GatewayVolumesDescriptor.Reader gatewayVolumes = new GatewayVolumesDescriptor.Reader();
    private final ThrottleOutbox throttles;
    private final AtomicLong reports = new AtomicLong();
    /** Report batches refused whole and single entries of batches refused (ReportBatchError), since the start. */
    private final AtomicLong reportEntriesRefused = new AtomicLong();
    private long batchRefusalLoggedAt = Long.MIN_VALUE / 2;
    private final ReportBatchReader batchReader = new ReportBatchReader();
    private final AtomicLong queriesServed = new AtomicLong();
    /** The IOPS limit last sent per volume and gateway: what the dashboard calls the throttle level. */
    private final Map<Integer, Map<Long, Long>> iopsLimits = new ConcurrentHashMap<>();
    private final CapacityWatch capacity;
    private final Map<String, Long> backendHistorySentAt = new HashMap<>();
    /** The database manager's id of each alert we upserted, by key: what {@code alert.ack} needs. */
    private final Map<String, Long> dbAlertIds = new HashMap<>();
    /** What a backend nobody configured is assumed to serve until the estimator learns it (see placeIfNew). */
    static final long DISCOVERED_BACKEND_IOPS = 100_000;
    private final Inventory inventory;
    /** Volumes seen (or refused by the database manager) and not yet sent for registration. */
    private final List<Map<String, Object>> volumesToRegister = new ArrayList<>();
    private final PolicyBook book;
    private final VolumeTracker tracker;
    private final long sweepEveryMillis;
    private long nextSweepAt;
    private long refusalLoggedAt = Long.MIN_VALUE / 2;
    private boolean volumeLimitAlerted;
    private long nextForecastAt;
    private final Thread thread;
    private final LoopWatch loopWatch = new LoopWatch("services-loop");
    private volatile boolean running = true;

    /**
     * The services with the mailboxes of the server {@code name} under {@code mailboxDir}
     * ({@link ServerMailboxes#file}); with {@code dbForwarding} they talk to the database manager's mailbox
     * {@code db} whenever it exists.
     */
    public static ServicesDaemon start(Path mailboxDir, String name, ServicesConfig config, long intervalMillis,
                                       EpochClock clock, boolean dbForwarding) {
        return start(mailboxDir, name, config, VolumeLimits.DEFAULT, intervalMillis, clock, dbForwarding);
    }

    /** As {@link #start(Path, String, ServicesConfig, long, EpochClock, boolean)}, keeping state for volumes within {@code limits}. */
    public static ServicesDaemon start(Path mailboxDir, String name, ServicesConfig config, VolumeLimits limits,
                                       long intervalMillis, EpochClock clock, boolean dbForwarding) {
        return new ServicesDaemon(ServerMailboxes.file(mailboxDir, name, ServerMailboxes.SERVICES_SUFFIX),
                ServerMailboxes.file(mailboxDir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                ServerMailboxes.file(mailboxDir, name, ServerMailboxes.MONITOR_SUFFIX),
                dbForwarding ? ServerMailboxes.file(mailboxDir, name, ServerMailboxes.DB_SUFFIX) : null,
                config, limits, intervalMillis, clock);
    }

    /**
     * @param dbMailboxFile the database manager's mailbox, or null to forward nothing; it need not exist yet
     */
    public ServicesDaemon(Path servicesMailboxFile, Path queriesMailboxFile, Path monitorMailboxFile, Path dbMailboxFile,
                          ServicesConfig config, long intervalMillis, EpochClock clock) {
        this(servicesMailboxFile, queriesMailboxFile, monitorMailboxFile, dbMailboxFile, config, VolumeLimits.DEFAULT,
                intervalMillis, clock);
    }

    /**
     * @param dbMailboxFile the database manager's mailbox, or null to forward nothing; it need not exist yet
     * @param limits        how many volumes the services keep state for, and for how long a silent one
     */
    public ServicesDaemon(Path servicesMailboxFile, Path queriesMailboxFile, Path monitorMailboxFile, Path dbMailboxFile,
                          ServicesConfig config, VolumeLimits limits, long intervalMillis, EpochClock clock) {
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.tracker = new VolumeTracker(limits.maxVolumes(), limits.expiryMillis());
        // A tenth of the expiry, so a volume goes at most 10 % late; never more often than the analyzer runs.
        this.sweepEveryMillis = Math.max(intervalMillis, limits.expiryMillis() / 10);
        this.nextSweepAt = clock.epochMillis() + sweepEveryMillis;
        Inventory inventory = new Inventory();
        config.placeInto(inventory);
        this.inventory = inventory;
        this.capacity = new CapacityWatch(inventory, judge.alerts(), new CapacityForecaster(720, 60_000),
                config.forecastWarningDays(), config.forecastCriticalDays());
        PerformanceAnalyzer[] self = new PerformanceAnalyzer[1];
        PolicyBook book = new PolicyBook(inventory, backend -> self[0].capacityIops(backend));
        this.book = book;
        this.rules = new PolicyRules(judge::latest, judge.alerts());
        this.analyzer = new PerformanceAnalyzer(inventory, book, intervalMillis, clock.epochMillis(), this::send,
                this::onInterval, rules);
        self[0] = analyzer;
        // Command ids from the clock: a restarted services process does not reuse its predecessor's.
        this.throttles = new ThrottleOutbox(ServerMailboxes.MONITOR.paramCapacity(), clock.epochMillis() * 1000,
                analyzer::notDelivered);
        this.db = dbMailboxFile == null ? null
                : new DbForwarder(dbMailboxFile, clock, DB_MAX_IN_FLIGHT, DB_MAX_PENDING_BATCHES, DB_MAX_PENDING_CALLS,
                        Math.max(1, Math.min(intervalMillis / 4, DB_SEAL_AFTER_MILLIS)),
                        this::answerReport);
        this.queries = new ServicesQueries(new ServicesState(clock, inventory, book, rules, analyzer, judge, recent,
                registry, capacity, this::iopsLimit, db, throttles, tracker), ServerMailboxes.SERVICES_QUERIES.paramCapacity());
        config.attachTo(book);
        config.applySpecs(queries);
        if (db != null) {
            db.onAttach(this::loadFromDatabase);
            db.onUnknownVolume(this::registerVolumeAgain);
        }
        this.servicesMailbox = Mailbox.openOrCreate(servicesMailboxFile, ServerMailboxes.SERVICES, clock);
        this.queriesMailbox = Mailbox.openOrCreate(queriesMailboxFile, ServerMailboxes.SERVICES_QUERIES, clock);
        this.monitorMailbox = Mailbox.openOrCreate(monitorMailboxFile, ServerMailboxes.MONITOR, clock);
        this.monitor = MailboxCaller.attach(monitorMailbox, ServerMailboxes.CALLER_SERVICES);
        logResumption("monitor mailbox", monitor.resumption());
        this.callee = MailboxCallee.attach(servicesMailbox);
        this.stuckReports = new StuckCalls(servicesMailbox, STUCK_CALL_MILLIS);
        this.stuckQueries = new StuckCalls(queriesMailbox, STUCK_CALL_MILLIS);
        this.queriesCallee = MailboxCallee.attach(queriesMailbox);
        this.thread = loopWatch.newThread(this::loop);
        thread.start();
    }

    private void loop() {
        while (running) {
            loopWatch.turn();
            // Back-pressure: while the database manager is behind, reports wait in their mailbox, not here.
            int work = db != null && db.full() ? 0 : callee.poll(this::onRequest, REPORTS_PER_TURN);
            work += queriesCallee.poll(this::onQuery, 16);
            callee.doHousekeeping();
            queriesCallee.doHousekeeping();
            long now = clock.epochMillis();
            analyzer.doWork(now);
            expireVolumes(now);
            retryLoads(now);
            forecastCapacity(now);
            work += throttles.flush(monitor);
            if (db != null) {
                registerVolumes();
                work += db.doWork();
            }
            work += monitor.pollReplies(throttles::onReply, 256);
            monitor.heartbeat();
            if (work == 0 && !queriesCallee.hasRequests()) {
                // The doorbell is the report mailbox's; queries wait at most this long (10 ms). While the
                // forwarder is full the reports waiting would ring at once, so the database's replies do.
                long idleNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(intervalMillis / 4, 10));
                if (db != null && db.full()) {
                    db.awaitReplies(idleNanos);
                } else {
                    callee.awaitRequests(idleNanos);
                }
            }
        }
    }

    private void onRequest(MailboxCallee.Request request) {
        long now = clock.epochMillis();
        switch (request.opcode()) {
            case MailboxOpcodes.SERVICES_STATS_REPORT -> {
                takeReport(request.params().asSlice(0, request.length()).asByteBuffer(), 0, now);
                answerReports(request);
            }
            case MailboxOpcodes.SERVICES_STATS_BATCH -> {
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
            case MailboxOpcodes.SERVICES_GATEWAY_EVENT -> {
                ByteBuffer frame = request.params().asSlice(0, request.length()).asByteBuffer();
                event.wrap(frame, 0);
                if (event.kind() == EventKind.NEW_VOLUME
                        && admit(event.gatewayId(), event.volumeId(), now)) {
                    placeIfNew(event.gatewayId(), event.volumeId(), event.volumeCapacity());
                    registry.onVolume(event.gatewayId(), event.volumeId(), event.volumeCapacity(), event.usedBytes(), now);
                }
                request.reply(MailboxStatus.OK, 0);
            }
            case MailboxOpcodes.SERVICES_GATEWAY_VOLUMES -> {
                ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
                if (!GatewayVolumesDescriptor.isWellFormed(params, request.length())) {
                    request.reply(CallStatus.INVALID, 0);
                    return;
                }
                GatewayVolumesDescriptor.Reader volumes = gatewayVolumes.wrap(params);
                String gatewayName = volumes.gatewayName();
                if (volumes.first() == 0) {
                    tracker.announcementBegins(volumes.gatewayId());
                }
                for (int i = 0; i < volumes.count(); i++) {
                    if (!admit(volumes.gatewayId(), volumes.volumeId(i), now)) {
                        continue;
                    }
                    placeIfNew(volumes.gatewayId(), volumes.volumeId(i), volumes.volumeCapacity(i));
                    registry.onNamedVolume(volumes.gatewayId(), gatewayName, volumes.volumeId(i), volumes.volumeName(i),
                            (volumes.volumeFlags(i) & VolumeDescriptor.FLAG_SHARED) != 0, volumes.volumeCapacity(i), now);
                }
                if (volumes.first() + volumes.count() == volumes.total()) {
                    tracker.announcementEnds(volumes.gatewayId(), this::evict);
                }
                if (db != null) {
                    registry.drainNew(this::forwardGateway, this::forwardVolume);
                    registerVolumes();
                }
                request.reply(MailboxStatus.OK, 0);
            }
            case MailboxOpcodes.SERVICES_GATEWAY_STATE -> {
                ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
                if (request.length() >= GatewayStateDescriptor.LENGTH) {
                    var state = GatewayStateDescriptor.GatewayState.fromCode(
                            params.getInt(GatewayStateDescriptor.STATE_OFFSET));
                    if (state != null) {
                        registry.onState(params.getLong(GatewayStateDescriptor.GATEWAY_ID_OFFSET), state.name(),
                                params.getLong(GatewayStateDescriptor.AT_OFFSET));
                    }
                }
                request.reply(MailboxStatus.OK, 0);
            }
            default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
        }
    }

    /**
     * One STATS frame at {@code offset} of {@code frame}: its volumes admitted, placed and registered, its
     * numbers to the analyzer, the recent statistics and the capacity watch, its samples to the database
     * forwarder (whose caller decides on the reply, once per call).
     */
    private void takeReport(ByteBuffer frame, int offset, long now) {
        stats.wrap(frame, offset);
        admitReport(frame, offset, now);
        for (int i = 0; i < stats.volumeCount(); i++) {
            placeIfNew(stats.gatewayId(), stats.volume(i).volumeId(), stats.volume(i).capacityBytes());
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
            registry.drainNew(this::forwardGateway, this::forwardVolume);
            registerVolumes();
            db.appendSamples(stats, this::iopsLimit);
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
     * A batch the monitor posted that cannot be read ({@code entry} -1), or one entry of it: counted and logged
     * (at most every {@link #REFUSAL_LOG_MILLIS}); the batch's other entries are taken all the same.
     */
    private void refuseBatchEntry(ReportBatchError error, long correlationId, int entry, int entries, long now) {
        reportEntriesRefused.incrementAndGet();
        if (now - batchRefusalLoggedAt >= REFUSAL_LOG_MILLIS) {
            batchRefusalLoggedAt = now;
            LOG.log(System.Logger.Level.WARNING, (entry < 0 ? "report batch refused whole: " + error
                    : "entry " + entry + " of " + entries + " of a report batch refused: " + error)
                    + " (correlation id " + Long.toUnsignedString(correlationId) + ", the first entry's gateway); " + reportEntriesRefused.get()
                    + " refused so far");
        }
    }

    /**
     * Admits each volume of a STATS report to the tracker and takes the records of those refused (the
     * services are at their volume limit) out of the frame, in its slot, so nothing downstream keeps any
     * state for them. The common case, every volume admitted, moves nothing.
     */
    private void admitReport(ByteBuffer frame, int offset, long now) {
        int count = stats.volumeCount();
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (admit(stats.gatewayId(), stats.volume(i).volumeId(), now)) {
                if (kept != i) {
                    frame.put(offset + StatsDescriptor.volumeOffset(kept), frame, offset + StatsDescriptor.volumeOffset(i),
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
            judge.alerts().raise(VOLUME_LIMIT_ALERT, io.sluice.services.Severity.CRITICAL, "the SLA services are at their "
                    + "limit of " + tracker.maxVolumes() + " volumes (services.max-volumes): new volumes are refused", now);
        }
        if (now - refusalLoggedAt >= REFUSAL_LOG_MILLIS) {
            refusalLoggedAt = now;
            LOG.log(System.Logger.Level.WARNING, "at the limit of " + tracker.maxVolumes() + " volumes (services.max-volumes): "
                    + "volume " + volumeId + " of gateway " + Long.toUnsignedString(gatewayId) + " refused, "
                    + tracker.refused() + " refusals so far; new volumes are refused until some vanish");
        }
        return false;
    }

    /** Drops the per-volume state of volumes whose gateways have been silent on them for the expiry. */
    private void expireVolumes(long now) {
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
     * Gateway {@code gatewayId} no longer serves {@code volumeId}: what the services keep of that pair goes,
     * and with its last gateway what they keep of the volume — its recent statistics, the analyzer's state,
     * its space, its names and, when no operator placed it, its placement. SLAs, groups, compliance and
     * alerts stay (an operator's, bounded by what they configured), and so does everything in the database.
     */
    private void evict(long gatewayId, int volumeId, boolean lastGateway) {
        recent.forget(volumeId, gatewayId);
        analyzer.forget(volumeId, gatewayId);
        registry.forget(gatewayId, volumeId, lastGateway);
        Map<Long, Long> limits = iopsLimits.get(volumeId);
        if (limits != null) {
            limits.remove(gatewayId);
            if (limits.isEmpty()) {
                iopsLimits.remove(volumeId);
            }
        }
        if (lastGateway) {
            capacity.forget(volumeId);
            if (inventory.forgetDiscovered(volumeId)) {
                book.membershipChanged();
            }
        }
    }

    /** A report whose reply the database forwarder held: its samples are posted (or given up). */
    private void answerReport(long handle) {
        callee.complete(handle, MailboxStatus.OK, ParamWriter.EMPTY);
    }

    private void onQuery(MailboxCallee.Request request) {
        if (request.opcode() != MailboxOpcodes.SERVICES_JSON) {
            request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
            return;
        }
        byte[] body = request.params().asSlice(0, request.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        ServicesQueries.Answer answer = queries.handle(body);
        queriesServed.incrementAndGet();
        request.reply(answer.status(), ParamWriter.of(answer.json()));
    }

    /** After each analyzer interval: compliance first, then what it found goes to the database manager. */
    private void onInterval(long now, List<VolumeInterval> volumes) {
        judge.onInterval(now, volumes);
        if (db == null) {
            judge.alerts().drainChanged(alert -> { });
            registry.drainNew(gateway -> { }, volume -> { });
            return;
        }
        forwardVerdicts(now, volumes);
        judge.alerts().drainChanged(this::forwardAlert);
        registry.drainNew(this::forwardGateway, this::forwardVolume);
    }

    private void forwardVerdicts(long now, List<VolumeInterval> volumes) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (VolumeInterval interval : volumes) {
            IntervalVerdict verdict = judge.latest(interval.volumeId());
            if (verdict == null || verdict.intervalEndMillis() != now) {
                continue;
            }
            Map<String, Object> scope = Map.of("kind", "VOLUME", "id", Integer.toString(interval.volumeId()));
            for (String source : interval.policy().sources()) {
                String sla = source.substring(0, source.lastIndexOf('@'));
                for (Dimension dimension : Dimension.values()) {
                    Verdict v = verdict.of(dimension);
                    results.add(Map.of("sla", sla, "scope", scope, "intervalStart", now - intervalMillis,
                            "intervalMillis", intervalMillis, "dimension", dimension.name(), "verdict", v.name()));
                    if (results.size() == COMPLIANCE_RESULTS_PER_CALL) {
                        db.call(Map.of("op", "compliance.append", "actor", "system:services", "results", results));
                        results = new ArrayList<>();
                    }
                }
            }
        }
        if (!results.isEmpty()) {
            db.call(Map.of("op", "compliance.append", "actor", "system:services", "results", results));
        }
    }

    private void forwardAlert(Alert alert) {
        Map<String, Object> upsert = new LinkedHashMap<>();
        upsert.put("op", "alert.upsert");
        upsert.put("actor", "system:services");
        upsert.put("key", alert.key());
        upsert.put("severity", alert.severity().name());
        upsert.put("message", alert.message());
        upsert.put("state", alert.active() ? "OPEN" : "CLEARED");
        upsert.put("at", alert.active() ? alert.raisedAtMillis() : alert.clearedAtMillis());
        String key = alert.key();
        db.call(upsert, (status, result) -> {
            if (result != null && result.has("id")) {
                dbAlertIds.put(key, result.get("id").asLong());
                alert.storedAs(result.get("id").asLong());
            }
        });
        if (alert.acknowledgedBy() != null && dbAlertIds.containsKey(key)) {
            db.call(Map.of("op", "alert.ack", "actor", alert.acknowledgedBy(), "id", dbAlertIds.get(key)));
        }
    }

    private void forwardGateway(GatewayRegistry.Gateway gateway) {
        String state = switch (gateway.state()) {
            case "PENDING_APPROVAL" -> "PENDING";
            case "REFUSED" -> "REJECTED";
            default -> "APPROVED";
        };
        Map<String, Object> call = new LinkedHashMap<>(Map.of("op", "gateway.upsert", "actor", "system:services",
                "gatewayId", gateway.gatewayId(), "state", state, "lastSeen", gateway.lastSeen()));
        if (gateway.name() != null) {
            call.put("name", gateway.name());
        }
        db.call(call);
    }

    /** The database manager refused samples of this volume, not knowing it: register it again. */
    private void registerVolumeAgain(int volumeId) {
        for (GatewayRegistry.Gateway gateway : registry.all()) {
            if (gateway.volumes().contains(volumeId)) {
                volumesToRegister.add(volumeItem(volumeId, gateway.gatewayId()));
                return;
            }
        }
    }

    private void forwardVolume(GatewayRegistry.VolumeSighting volume) {
        if (volume.volumeId() <= 0) {
            // The database manager refuses such an id, and with it the other volumes of the call.
            return;
        }
        Map<String, Object> item = volumeItem(volume.volumeId(), volume.gatewayId());
        if (volume.capacityBytes() > 0) {
            item.put("allocatedBytes", volume.capacityBytes());
        }
        if (volume.naming() == null) {
            item.put("usedBytes", volume.usedBytes());
        }
        volumesToRegister.add(item);
    }

    private Map<String, Object> volumeItem(int volumeId, long gatewayId) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("volumeId", volumeId);
        item.put("gatewayId", gatewayId);
        GatewayRegistry.VolumeNaming naming = registry.naming(volumeId);
        if (naming != null) {
            item.put("exportName", naming.exportName());
            item.put("gatewayName", naming.gatewayName());
            item.put("shared", naming.shared());
        }
        VolumePlacement placement = inventory.volume(volumeId);
        if (placement != null) {
            item.put("backendId", placement.backendId());
        }
        return item;
    }

    /**
     * Sends the volumes waiting to be registered, {@value #VOLUMES_PER_CALL} per call: a thousand-volume
     * gateway, or hundreds of gateways at start, would otherwise be a call per volume and overflow the
     * forwarder's bound on waiting calls.
     */
    private void registerVolumes() {
        for (int from = 0; from < volumesToRegister.size(); from += VOLUMES_PER_CALL) {
            List<Map<String, Object>> items = List.copyOf(
                    volumesToRegister.subList(from, Math.min(volumesToRegister.size(), from + VOLUMES_PER_CALL)));
            db.call(Map.of("op", "volumes.upsert", "actor", "system:services", "items", items));
        }
        volumesToRegister.clear();
    }

    /**
     * A volume no configuration placed is still controlled: it goes on a backend of its own gateway's,
     * whose capacity is not known yet. Until congestion teaches the estimator better, that backend is
     * assumed able to serve {@link #DISCOVERED_BACKEND_IOPS}, so only the volume's SLA (limits,
     * reservation, weight) binds it.
     */
    private void placeIfNew(long gatewayId, int volumeId, long capacityBytes) {
        if (inventory.volume(volumeId) != null) {
            return;
        }
        String backendId = "gateway-" + Long.toUnsignedString(gatewayId);
        if (inventory.backend(backendId) == null) {
            inventory.addBackend(new Backend(backendId, DISCOVERED_BACKEND_IOPS, 0));
        }
        if (inventory.placeDiscovered(volumeId, backendId, capacityBytes)) {
            book.membershipChanged();
        }
    }

    /** At (re)attach: the SLAs, policies and groups the database manager holds; groups first, so SLAs find their members. */
    private void loadFromDatabase(DbForwarder forwarder) {
        loadPage(forwarder, "group.list", null, queries.documents()::applyGroup);
        loadPage(forwarder, "sla.list", null, queries.documents()::applySla);
        loadPage(forwarder, "policy.list", null, queries.documents()::applyPolicy);
    }

    private void loadPage(DbForwarder forwarder, String op, String after, java.util.function.Function<JsonNode, JsonNode> apply) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", op);
        request.put("actor", "system:services");
        request.put("limit", LOAD_PAGE);
        if (after != null) {
            request.put("after", after);
        }
        forwarder.call(request, (status, result) -> {
            if (result == null || status != io.sluice.protocol.CallStatus.OK) {
                // Never given up: an SLA not loaded is an SLA not enforced, until someone edits it again.
                LOG.log(System.Logger.Level.WARNING, op + " failed (status " + status + "); asking again in "
                        + LOAD_RETRY_MILLIS + " ms");
                loadRetries.add(new LoadRetry(clock.epochMillis() + LOAD_RETRY_MILLIS,
                        () -> loadPage(forwarder, op, after, apply)));
                return;
            }
            for (JsonNode doc : result.path("items")) {
                try {
                    apply.apply(doc);
                } catch (CallProblem problem) {
                    LOG.log(System.Logger.Level.WARNING, op + " item " + doc.path("name").asText() + " refused: "
                            + problem.getMessage());
                }
            }
            JsonNode next = result.path("next");
            if (next.isTextual() && !next.asText().isEmpty()) {
                loadPage(forwarder, op, next.asText(), apply);
            }
        });
    }

    /** A page of the startup load to ask for again at {@code atMillis}. */
    private record LoadRetry(long atMillis, Runnable load) {
    }

    private void retryLoads(long now) {
        while (!loadRetries.isEmpty() && loadRetries.peek().atMillis() <= now) {
            loadRetries.poll().load().run();
        }
    }

    /** Once per interval: forecasts and their alerts; capacity history to the database manager once a minute. */
    private void forecastCapacity(long now) {
        if (now < nextForecastAt) {
            return;
        }
        nextForecastAt = now + intervalMillis;
        capacity.observe(now, (backendId, capacityBytes, usedBytes) -> {
            if (db != null && now - backendHistorySentAt.getOrDefault(backendId, Long.MIN_VALUE / 2) >= BACKEND_HISTORY_MILLIS) {
                backendHistorySentAt.put(backendId, now);
                db.call(Map.of("op", "backend.upsert", "actor", "system:services", "backendId", backendId,
                        "capacityBytes", capacityBytes, "usedBytes", usedBytes, "at", now));
            }
        });
    }

    /**
     * Null while the loop thread runs and turns and answers what it takes; else what is wrong (the loop
     * dead, or stuck in one step for {@link #STALL_MILLIS}, or a call left unanswered for
     * {@link #STUCK_CALL_MILLIS}), so the role stops and its supervisor starts it afresh.
     */
    public String problem() {
        String loop = loopWatch.problem(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS));
        if (loop != null) {
            return loop;
        }
        String reports = stuckReports.problem();
        return reports != null ? reports : stuckQueries.problem();
    }

    /** A backend's capacity forecast (days until full), or null before its volumes have reported space. */
    public CapacityForecaster.Forecast forecast(String backendId) {
        return capacity.forecast(backendId);
    }

    /** Says what a caller index inherited from a predecessor (its replies reach {@link ThrottleOutbox} and {@link DbForwarder}). */
    static void logResumption(String where, MailboxCaller.Resumption resumption) {
        String line = resumption.describe();
        if (line != null) {
            System.err.println("services: on the " + where + ", " + line);
        }
    }

    /** The analyzer's sink: THROTTLE_SET calls per gateway, posted (idempotent: versioned) to the monitor. */
    private void send(long gatewayId, List<ThrottleParams> sets) {
        for (ThrottleParams set : sets) {
            iopsLimits.computeIfAbsent(set.volumeId(), v -> new ConcurrentHashMap<>()).put(gatewayId, set.iopsLimit());
        }
        throttles.enqueue(gatewayId, sets);
        throttles.flush(monitor);
    }

    /** The sum of the IOPS limits last sent to the gateways serving a volume (0 = none sent, or unlimited). */
    public long iopsLimit(int volumeId) {
        return iopsLimits.getOrDefault(volumeId, Map.of()).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Gateways that have been sent parameters for a volume. */
    public int gatewaysThrottled(int volumeId) {
        return iopsLimits.getOrDefault(volumeId, Map.of()).size();
    }

    public long reports() {
        return reports.get();
    }

    /** Report batches refused whole plus single entries of batches refused as damaged, since the start. */
    public long reportEntriesRefused() {
        return reportEntriesRefused.get();
    }

    public long queriesServed() {
        return queriesServed.get();
    }

    public long throttlesPosted() {
        return throttles.posted();
    }

    public long throttlesAcked() {
        return throttles.acked();
    }

    /** Sets the monitor kept for a gateway not in session; it gets them when it registers. */
    public long throttlesStored() {
        return throttles.stored();
    }

    /** Calls refused or answered with an error; their volumes' parameters go again. */
    public long throttlesFailed() {
        return throttles.failed();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        callee.close();
        queriesCallee.close();
        monitor.close();
        if (db != null) {
            db.close();
        }
        servicesMailbox.close();
        queriesMailbox.close();
        monitorMailbox.close();
    }
}
