package io.sluice.monitor;

import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import java.util.Collection;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The poll cycle, as a single-threaded loop step against the daemon's clock: every poll interval, judge the last poll
 * (answered, missed, unreachable after {@code missLimit} misses in a row, closed after three times that) and poll every
 * gateway in session again. A gateway whose socket has not taken earlier frames (backlog above the high watermark) is
 * not polled: that counts as a miss. While the services have not taken half their mailbox ({@link ServicesLink#behind})
 * nobody is polled: a report asked for then could only wait for a slot and be dropped, whereas a gateway not asked
 * reports the longer interval at the next poll, so the stored windows still meet (back-pressure from the database
 * manager to the gateways). Authenticated connections that do not finish the handshake (VOLUMES) in time are closed
 * here too; the unauthenticated ones are closed sooner, by {@link ConnectionAcceptor#closeUnfinishedHandshakes}.
 *
 * <p>Who sets the pace: the SLA services ask for a sweep at the start of each of their intervals (MONITOR_POLL_NOW with
 * their interval), so the reports an interval analyses are the answers to one sweep, asked for at one moment, not
 * whatever two unrelated timers happened to collect. Such a request holds this scheduler's own timer off for one and a
 * half of the caller's intervals: while the services call, every sweep is theirs; when they stop (dead, restarting,
 * stuck), the timer takes over again after that grace. A request without an interval (a tool, the benchmark) sweeps now
 * and leaves the timer as it was.
 */
final class PollScheduler {
    private static final System.Logger LOG = System.getLogger(PollScheduler.class.getName());
    private final MonitorDaemon daemon;
    private final long intervalMillis;
    private final int missLimit;
    private long nextSweepAt;
    private long pollSequence;
    /** -1: no sweep asked for; else the timer's hold-off the request asked for (0: none). */
    private final AtomicLong sweepRequested = new AtomicLong(-1);
    /** Gateways an operator asked to poll now (MONITOR_POLL_GATEWAY), taken at the next step. */
    private final Queue<Long> gatewaysRequested = new ConcurrentLinkedQueue<>();

    private boolean pausedForServices;

    PollScheduler(MonitorDaemon daemon, long intervalMillis, int missLimit, long now) {
        this.daemon = daemon;
        this.intervalMillis = intervalMillis;
        this.missLimit = missLimit;
        this.nextSweepAt = now + intervalMillis;
    }

    /** Runs a sweep if one is due; returns the number of polls sent. */
    int doWork(long now, Collection<Session> sessions) {
        int polled = pollRequestedGateways();
        long holdOff = sweepRequested.getAndSet(-1);
        if (now < nextSweepAt && holdOff < 0) {
            return polled;
        }
        if (now >= nextSweepAt) {
            nextSweepAt = Math.max(nextSweepAt + intervalMillis, now + 1);
        }
        if (holdOff > 0) {
            nextSweepAt = Math.max(nextSweepAt, now + holdOff + holdOff / 2);
        }
        return polled + sweep(now, sessions);
    }

    /**
     * Asks for a sweep at the next step (MONITOR_POLL_NOW); with {@code callerIntervalMillis} above 0 the timer's next
     * sweep waits at least one and a half of them from that step, so the caller's next request comes first; with 0 (a
     * tool's request) the timer goes on as it was.
     */
    void requestSweep(long callerIntervalMillis) {
        sweepRequested.accumulateAndGet(callerIntervalMillis, Math::max);
    }

    /**
     * Asks for a poll of one gateway at the next step (MONITOR_POLL_GATEWAY); false, and nothing asked, when it has no
     * session in session. Its answer is a report like any other, carrying what it served since its last one.
     */
    boolean requestGatewayPoll(long gatewayId) {
        Session session = daemon.session(gatewayId);
        if (session == null || session.isClosed() || !session.inSession()) {
            return false;
        }
        gatewaysRequested.add(gatewayId);
        return true;
    }

    /**
     * The single polls asked for since the last step, under the newest sweep's sequence (so answering one counts for
     * that sweep and the misses of the next sweep are judged as before). A gateway whose socket is backlogged is left
     * out: its backlog says it would not read the poll sooner than the next sweep's.
     */
    private int pollRequestedGateways() {
        int polled = 0;
        Long gatewayId;
        while ((gatewayId = gatewaysRequested.poll()) != null) {
            Session session = daemon.session(gatewayId);
            if (session == null
                    || session.isClosed()
                    || !session.inSession()
                    || session.backlogBytes >= daemon.context().writeHighWatermark()) {
                continue;
            }
            session.pollDue.set(Math.max(pollSequence, 1));
            session.schedule();
            daemon.counters().gatewayPollsRequested.increment();
            polled++;
        }
        return polled;
    }

    long nextSweepAt() {
        return nextSweepAt;
    }

    private int sweep(long now, Collection<Session> sessions) {
        long sequence = ++pollSequence;
        int polled = 0;
        long highWatermark = daemon.context().writeHighWatermark();
        boolean servicesBehind = daemon.services().behind();
        if (servicesBehind) {
            daemon.counters().sweepsSkippedServicesBehind.increment();
        }
        if (servicesBehind != pausedForServices) {
            pausedForServices = servicesBehind;
            LOG.log(
                    servicesBehind ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    servicesBehind
                            ? "the SLA services are behind (half their mailbox not taken): polls paused; gateways report the longer interval later"
                            : "the SLA services caught up: polls resumed");
        }
        for (Session session : sessions) {
            if (session.isClosed()) {
                continue;
            }
            if (!session.inSession()) {
                if (now - session.connectedAt > daemon.context().handshakeTimeoutMillis()) {
                    daemon.acceptor().handshakeTimedOut(session);
                }
                continue;
            }
            judgeLastPoll(session);
            if (session.isClosed()) {
                continue;
            }
            if (session.backlogBytes >= highWatermark) {
                daemon.counters().pollsSkippedBacklogged.increment();
                continue;
            }
            if (servicesBehind) {
                continue;
            }
            session.lastPollSent = sequence;
            session.pollDue.set(sequence);
            session.schedule();
            polled++;
        }
        return polled;
    }

    private void judgeLastPoll(Session session) {
        long sent = session.lastPollSent;
        if (sent == 0) {
            return;
        }
        if (session.lastPollAnswered >= sent) {
            session.missedPolls = 0;
            if (session.unreachable) {
                session.unreachable = false;
                daemon.gatewaySessions().reportState(session.gatewayId, GatewayState.REACHABLE_AGAIN, 0);
            }
            return;
        }
        session.missedPolls++;
        if (session.missedPolls >= missLimit && !session.unreachable) {
            session.unreachable = true;
            daemon.counters().unreachableMarked.increment();
            daemon.gatewaySessions().reportState(session.gatewayId, GatewayState.UNREACHABLE, session.missedPolls);
        }
        if (session.missedPolls >= 3 * missLimit) {
            daemon.closeSession(session, "silent for " + session.missedPolls + " polls");
        }
    }
}
