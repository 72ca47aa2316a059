package io.sluice.services.daemon;

import io.sluice.common.Agent;
import io.sluice.common.IdleStrategy;
import io.sluice.common.SignalIdleStrategy;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ReplyView;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.services.capacity.CapacityWatch;
import io.sluice.services.control.PerformanceAnalyzer;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The services' one thread, {@code services-loop}: each turn takes reports (unless the database forwarder is full) and
 * queries, runs the analyzer when an interval is due, evicts silent volumes, forecasts capacity, posts throttle sets
 * and database calls and takes their replies, then sleeps on the report mailbox's doorbell when there was nothing to
 * do. The order of a turn and why is in CONCURRENCY.md. An {@link Agent}: {@link ServicesDaemon} runs it on an
 * {@code AgentRunner} with {@link #idleStrategy()}, and a test turns it by hand on a manual clock.
 */
final class ServicesLoop implements Agent {
    /** The loop's thread and its watch. */
    static final String ROLE_NAME = "services-loop";
    /** Calls taken from the report mailbox per turn at most. */
    static final int REPORTS_PER_TURN = 256;
    /** Calls taken from the query mailbox per turn at most. */
    static final int QUERIES_PER_TURN = 16;

    private final long intervalMillis;
    private final MailboxCallee reports;
    private final MailboxCallee queriesCallee;
    private final MailboxCaller monitor;
    private final ReportIntake intake;
    private final ServicesQueries queries;
    private final PerformanceAnalyzer analyzer;
    private final ThrottleOutbox throttles;
    private final PollDriver polls;
    private final CapacityWatch capacity;
    /** The database forwarder and what feeds it; both null when nothing is forwarded. */
    private final DbForwarder db;

    private final DbFeed dbFeed;
    private final AtomicLong queriesServed = new AtomicLong();
    private long nextForecastAt;
    /** False until the first turn, which starts the first interval. */
    private boolean firstIntervalAsked;

    ServicesLoop(
            long intervalMillis,
            MailboxCallee reports,
            MailboxCallee queriesCallee,
            MailboxCaller monitor,
            ReportIntake intake,
            ServicesQueries queries,
            PerformanceAnalyzer analyzer,
            ThrottleOutbox throttles,
            PollDriver polls,
            CapacityWatch capacity,
            DbForwarder db,
            DbFeed dbFeed) {
        this.intervalMillis = intervalMillis;
        this.reports = reports;
        this.queriesCallee = queriesCallee;
        this.monitor = monitor;
        this.intake = intake;
        this.queries = queries;
        this.analyzer = analyzer;
        this.throttles = throttles;
        this.polls = polls;
        this.capacity = capacity;
        this.db = db;
        this.dbFeed = dbFeed;
    }

    /**
     * Sleeps on the report mailbox's doorbell when a turn did nothing, for at most min(interval / 4, 10 ms): queries do
     * not ring it. While the forwarder is full the reports waiting would ring at once, so the database's replies do.
     */
    IdleStrategy idleStrategy() {
        return new SignalIdleStrategy(
                0, TimeUnit.MILLISECONDS.toNanos(Math.min(intervalMillis / 4, 10)), this::awaitWork);
    }

    private void awaitWork(long idleNanos) {
        if (queriesCallee.hasRequests()) {
            return;
        }
        if (db != null && db.full()) {
            db.awaitReplies(idleNanos);
        } else {
            reports.awaitRequests(idleNanos);
        }
    }

    /** One turn at {@code now}; returns the work done (calls taken and posted, replies taken). */
    @Override
    public int doWork(long now) {
        // Back-pressure: while the database manager is behind, reports wait in their mailbox, not here.
        int work = db != null && db.full() ? 0 : reports.poll(intake::onRequest, REPORTS_PER_TURN);
        work += queriesCallee.poll(this::onQuery, QUERIES_PER_TURN);
        reports.doHousekeeping();
        queriesCallee.doHousekeeping();
        long ticks = analyzer.ticks();
        analyzer.doWork(now);
        if (analyzer.ticks() != ticks || !firstIntervalAsked) {
            // A new interval starts: its reports are the answers to the sweep asked for now (PollDriver).
            firstIntervalAsked = true;
            work += polls.intervalStarted(monitor);
        }
        intake.expireVolumes(now);
        if (dbFeed != null) {
            dbFeed.retryLoads(now);
        }
        forecastCapacity(now);
        work += throttles.flush(monitor);
        if (db != null) {
            dbFeed.registerVolumes();
            work += db.doWork();
        }
        work += monitor.pollReplies(this::onMonitorReply, 256);
        monitor.heartbeat();
        return work;
    }

    private void onMonitorReply(ReplyView reply) {
        if (!polls.onReply(reply)) {
            throttles.onReply(reply);
        }
    }

    private void onQuery(MailboxCallee.Request request) {
        if (request.opcode() != MailboxOpcodes.SERVICES_JSON) {
            request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
            return;
        }
        byte[] body = request.params().asSlice(0, request.length()).toArray(ValueLayout.JAVA_BYTE);
        ServicesQueries.Answer answer = queries.handle(body);
        queriesServed.incrementAndGet();
        request.reply(answer.status(), ParamWriter.of(answer.json()));
    }

    /** Once per interval: forecasts and their alerts; capacity history to the database manager once a minute. */
    private void forecastCapacity(long now) {
        if (now < nextForecastAt) {
            return;
        }
        nextForecastAt = now + intervalMillis;
        capacity.observe(now, (backendId, capacityBytes, usedBytes) -> {
            if (dbFeed != null) {
                dbFeed.backendSpace(backendId, capacityBytes, usedBytes, now);
            }
        });
    }

    long queriesServed() {
        return queriesServed.get();
    }

    @Override
    public String roleName() {
        return ROLE_NAME;
    }
}
