package io.sluice.services.daemon;

import io.sluice.common.AgentRunner;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.StuckCalls;
import io.sluice.services.capacity.CapacityForecaster;
import io.sluice.services.capacity.CapacityWatch;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.control.ManualThrottles;
import io.sluice.services.control.PerformanceAnalyzer;
import io.sluice.services.control.PolicyRules;
import io.sluice.services.control.ThrottleParams;
import io.sluice.services.control.VolumeInterval;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumeTracker;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.stats.RecentStats;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SLA services process: takes the monitor's reports, events and gateway states from its mailbox
 * ({@link ReportIntake}), runs the performance analyzer once per poll interval and sends the changed throttle
 * parameters to the monitor's mailbox ({@link ThrottleOutbox}); answers the application server's JSON calls on its
 * query mailbox ({@link ServicesQueries}); and forwards samples, verdicts, alerts and what it discovers to the database
 * manager ({@link DbForwarder}, {@link DbFeed}), loading SLAs, policies and groups from it when it is there. This class
 * sets those parts up and wires them; one thread, the {@link ServicesLoop}, runs them all, because the analyzer is
 * single-threaded by design; see CONCURRENCY.md. The constructors start nothing: {@link #start()} starts the loop.
 */
public final class ServicesDaemon implements AutoCloseable {
    /** The loop waits at most 10 ms for work; one that has not turned for this long is stuck. */
    static final long STALL_MILLIS = 30_000;
    /**
     * A call taken and not answered for this long is stuck: a report's reply is held only until its samples are posted
     * to the database manager, and a query is answered in the turn that took it.
     */
    static final long STUCK_CALL_MILLIS = 30_000;

    static final int DB_MAX_IN_FLIGHT = 8;
    static final int DB_MAX_PENDING_BATCHES = 64;
    static final int DB_MAX_PENDING_CALLS = 4_096;
    /** Samples gather at most this long: a report's reply is held until its batch is posted. */
    static final long DB_SEAL_AFTER_MILLIS = 250;

    private final Mailbox servicesMailbox;
    private final Mailbox queriesMailbox;
    private final Mailbox monitorMailbox;
    private final StuckCalls stuckReports;
    private final StuckCalls stuckQueries;
    private final MailboxCallee callee;
    private final MailboxCallee queriesCallee;
    private final MailboxCaller monitor;
    private final PerformanceAnalyzer analyzer;
    private final ComplianceJudge judge = new ComplianceJudge();
    private final DiscoveredGateways registry = new DiscoveredGateways();
    private final SentIopsLimits sentLimits = new SentIopsLimits();
    private final CapacityWatch capacity;
    private final ThrottleOutbox throttles;
    private final PollDriver polls;
    private final DbForwarder db;
    /** What goes to the database manager and the startup load from it, through {@link #db}; null with it. */
    private final DbFeed dbFeed;

    private final ReportIntake intake;
    private final EpochClock clock;
    private final ServicesLoop loop;
    private final AgentRunner runner;

    /**
     * Started services with the mailboxes of the server {@code name} under {@code mailboxDir}
     * ({@link ServerMailboxes#file}); with {@code dbForwarding} they talk to the database manager's mailbox {@code db}
     * whenever it exists.
     */
    public static ServicesDaemon start(
            Path mailboxDir,
            String name,
            ServicesConfig config,
            long intervalMillis,
            EpochClock clock,
            boolean dbForwarding) {
        return start(mailboxDir, name, config, VolumeLimits.DEFAULT, intervalMillis, clock, dbForwarding);
    }

    /**
     * As {@link #start(Path, String, ServicesConfig, long, EpochClock, boolean)}, keeping state for volumes within
     * {@code limits}.
     */
    public static ServicesDaemon start(
            Path mailboxDir,
            String name,
            ServicesConfig config,
            VolumeLimits limits,
            long intervalMillis,
            EpochClock clock,
            boolean dbForwarding) {
        return new ServicesDaemon(
                        ServerMailboxes.file(mailboxDir, name, ServerMailboxes.SERVICES_SUFFIX),
                        ServerMailboxes.file(mailboxDir, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                        ServerMailboxes.file(mailboxDir, name, ServerMailboxes.MONITOR_SUFFIX),
                        dbForwarding ? ServerMailboxes.file(mailboxDir, name, ServerMailboxes.DB_SUFFIX) : null,
                        config,
                        limits,
                        intervalMillis,
                        clock)
                .start();
    }

    /** @param dbMailboxFile the database manager's mailbox, or null to forward nothing; it need not exist yet */
    public ServicesDaemon(
            Path servicesMailboxFile,
            Path queriesMailboxFile,
            Path monitorMailboxFile,
            Path dbMailboxFile,
            ServicesConfig config,
            long intervalMillis,
            EpochClock clock) {
        this(
                servicesMailboxFile,
                queriesMailboxFile,
                monitorMailboxFile,
                dbMailboxFile,
                config,
                VolumeLimits.DEFAULT,
                intervalMillis,
                clock);
    }

    /**
     * Opens (or creates) the mailboxes and builds the parts; starts nothing.
     *
     * @param dbMailboxFile the database manager's mailbox, or null to forward nothing; it need not exist yet
     * @param limits how many volumes the services keep state for, and for how long a silent one
     */
    public ServicesDaemon(
            Path servicesMailboxFile,
            Path queriesMailboxFile,
            Path monitorMailboxFile,
            Path dbMailboxFile,
            ServicesConfig config,
            VolumeLimits limits,
            long intervalMillis,
            EpochClock clock) {
        VolumeTracker tracker = new VolumeTracker(limits.maxVolumes(), limits.expiryMillis());
        Inventory inventory = new Inventory();
        config.placeInto(inventory);
        this.capacity = new CapacityWatch(
                inventory,
                judge.alerts(),
                new CapacityForecaster(720, 60_000),
                config.forecastWarningDays(),
                config.forecastCriticalDays());
        // The book's admission control asks the analyzer's capacity estimates, and the analyzer reads the
        // book: the book gets this::capacityIops, which reaches the analyzer only when admission asks.
        PolicyBook book = new PolicyBook(inventory, this::capacityIops);
        PolicyRules rules = new PolicyRules(judge::latest, judge.alerts());
        RecentStats recent = new RecentStats(RecentStats.TEN_MINUTES_AT_ONE_SECOND);
        ManualThrottles manual = new ManualThrottles();
        this.analyzer = new PerformanceAnalyzer(
                inventory, book, intervalMillis, clock.epochMillis(), this::send, this::onInterval, rules, manual);
        // Command ids from the clock: a restarted services process does not reuse its predecessor's.
        this.throttles = new ThrottleOutbox(
                ServerMailboxes.MONITOR.paramCapacity(), clock.epochMillis() * 1000, analyzer::notDelivered);
        this.polls = new PollDriver(intervalMillis);
        this.db = dbMailboxFile == null
                ? null
                : new DbForwarder(
                        dbMailboxFile,
                        clock,
                        DB_MAX_IN_FLIGHT,
                        DB_MAX_PENDING_BATCHES,
                        DB_MAX_PENDING_CALLS,
                        Math.max(1, Math.min(intervalMillis / 4, DB_SEAL_AFTER_MILLIS)),
                        this::answerReport);
        ServicesQueries queries = new ServicesQueries(
                new ServicesState(
                        clock,
                        inventory,
                        book,
                        rules,
                        analyzer,
                        judge,
                        recent,
                        registry,
                        capacity,
                        sentLimits::iopsLimit,
                        db,
                        throttles,
                        tracker,
                        manual,
                        polls),
                ServerMailboxes.SERVICES_QUERIES.paramCapacity());
        this.dbFeed = db == null
                ? null
                : new DbFeed(
                        new DbCalls(db),
                        clock,
                        intervalMillis,
                        judge,
                        registry,
                        inventory,
                        queries.documents(),
                        queries.manualThrottles()::apply);
        config.attachTo(book);
        config.applySpecs(queries);
        if (db != null) {
            dbFeed.onThrottleLoaded(analyzer::restoreSent);
            db.onAttach(forwarder -> dbFeed.attached());
            db.onUnknownVolume(dbFeed::registerVolumeAgain);
        }
        // A tenth of the expiry, so a volume goes at most 10 % late; never more often than the analyzer runs.
        this.intake = new ReportIntake(
                clock,
                Math.max(intervalMillis, limits.expiryMillis() / 10),
                inventory,
                book,
                analyzer,
                recent,
                capacity,
                registry,
                judge,
                tracker,
                sentLimits,
                db,
                dbFeed);
        this.servicesMailbox = Mailbox.openOrCreate(servicesMailboxFile, ServerMailboxes.SERVICES, clock);
        this.queriesMailbox = Mailbox.openOrCreate(queriesMailboxFile, ServerMailboxes.SERVICES_QUERIES, clock);
        this.monitorMailbox = Mailbox.openOrCreate(monitorMailboxFile, ServerMailboxes.MONITOR, clock);
        this.monitor = MailboxCaller.attach(monitorMailbox, ServerMailboxes.CALLER_SERVICES);
        logResumption("monitor mailbox", monitor.resumption());
        this.callee = MailboxCallee.attach(servicesMailbox);
        this.stuckReports = new StuckCalls(servicesMailbox, STUCK_CALL_MILLIS);
        this.stuckQueries = new StuckCalls(queriesMailbox, STUCK_CALL_MILLIS);
        this.queriesCallee = MailboxCallee.attach(queriesMailbox);
        this.clock = clock;
        this.loop = new ServicesLoop(
                intervalMillis,
                callee,
                queriesCallee,
                monitor,
                intake,
                queries,
                analyzer,
                throttles,
                polls,
                capacity,
                db,
                dbFeed);
        this.runner = new AgentRunner(loop, loop.idleStrategy(), clock);
    }

    /** Starts the services' loop thread; returns this. */
    public ServicesDaemon start() {
        runner.start();
        return this;
    }

    /**
     * One turn of the loop on the caller's thread, for services never {@link #start() started}: a test drives them by
     * hand on a manual clock. Returns the work done.
     */
    int doWork() {
        return loop.doWork(clock.epochMillis());
    }

    /** What admission control believes a backend can serve now: the analyzer's estimate. */
    private long capacityIops(String backendId) {
        return analyzer.capacityIops(backendId);
    }

    /** The analyzer's sink: THROTTLE_SET calls per gateway, posted (idempotent: versioned) to the monitor. */
    private void send(long gatewayId, List<ThrottleParams> sets) {
        sentLimits.sent(gatewayId, sets);
        if (dbFeed != null) {
            dbFeed.throttlesSent(gatewayId, sets);
        }
        throttles.enqueue(gatewayId, sets);
        throttles.flush(monitor);
    }

    /** After each analyzer interval: compliance first, then what it found goes to the database manager. */
    private void onInterval(long now, List<VolumeInterval> volumes) {
        judge.onInterval(now, volumes);
        if (db == null) {
            judge.alerts().drainChanged(alert -> {});
            registry.drainNew(gateway -> {}, volume -> {});
            return;
        }
        dbFeed.interval(now, volumes);
    }

    /** A report whose reply the database forwarder held: its samples are posted (or given up). */
    private void answerReport(long handle) {
        callee.complete(handle, MailboxStatus.OK, ParamWriter.EMPTY);
    }

    /**
     * Null while the loop thread runs and turns and answers what it takes; else what is wrong (the loop dead, or stuck
     * in one step for {@link #STALL_MILLIS}, or a call left unanswered for {@link #STUCK_CALL_MILLIS}), so the role
     * stops and its supervisor starts it afresh.
     */
    public String problem() {
        String stalled = runner.problem(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS));
        if (stalled != null) {
            return stalled;
        }
        String reports = stuckReports.problem();
        return reports != null ? reports : stuckQueries.problem();
    }

    /** A backend's capacity forecast (days until full), or null before its volumes have reported space. */
    public CapacityForecaster.Forecast forecast(String backendId) {
        return capacity.forecast(backendId);
    }

    /**
     * Says what a caller index inherited from a predecessor (its replies reach {@link ThrottleOutbox} and
     * {@link DbForwarder}).
     */
    static void logResumption(String where, MailboxCaller.Resumption resumption) {
        String line = resumption.describe();
        if (line != null) {
            System.err.println("services: on the " + where + ", " + line);
        }
    }

    /** The sum of the IOPS limits last sent to the gateways serving a volume (0 = none sent, or unlimited). */
    public long iopsLimit(int volumeId) {
        return sentLimits.iopsLimit(volumeId);
    }

    /** Gateways that have been sent parameters for a volume. */
    public int gatewaysThrottled(int volumeId) {
        return sentLimits.gateways(volumeId);
    }

    public long reports() {
        return intake.reports();
    }

    /** Report batches refused whole plus single entries of batches refused as damaged, since the start. */
    public long reportEntriesRefused() {
        return intake.reportEntriesRefused();
    }

    public long queriesServed() {
        return loop.queriesServed();
    }

    public long throttlesPosted() {
        return throttles.posted();
    }

    public long throttlesAcked() {
        return throttles.acked();
    }

    /** Sweeps asked of the monitor, one at the start of each analysis interval (MONITOR_POLL_NOW). */
    public long pollsRequested() {
        return polls.requested();
    }

    /** Intervals that asked for no sweep because the monitor had not answered the previous request. */
    public long pollRequestsUnanswered() {
        return polls.unanswered();
    }

    /** Sets the monitor kept for a gateway not in session; it gets them when it registers. */
    public long throttlesStored() {
        return throttles.stored();
    }

    /** Calls refused or answered with an error; their volumes' parameters go again. */
    public long throttlesFailed() {
        return throttles.failed();
    }

    /** Stops the loop (if started) and closes the mailboxes. */
    @Override
    public void close() throws InterruptedException {
        runner.close();
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
