package io.sluice.monitor;

import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import java.util.Collection;

/**
 * The poll cycle, as a single-threaded loop step against the daemon's clock: every poll interval,
 * judge the last poll (answered, missed, unreachable after {@code missLimit} misses in a row, closed
 * after three times that) and poll every gateway in session again. A gateway whose socket has not
 * taken earlier frames (backlog above the high watermark) is not polled: that counts as a miss. While the
 * services have not taken half their mailbox ({@link ServicesLink#behind}) nobody is polled: a report asked
 * for then could only wait for a slot and be dropped, whereas a gateway not asked reports the longer interval
 * at the next poll, so the stored windows still meet (back-pressure from the database manager to the gateways).
 * Authenticated connections that do not finish the handshake (VOLUMES) in time are closed here too; the
 * unauthenticated ones are closed sooner, by {@link MonitorDaemon#closeUnfinishedHandshakes}.
 */
final class PollScheduler {
    private static final System.Logger LOG = System.getLogger(PollScheduler.class.getName());
    private final MonitorDaemon daemon;
    private final long intervalMillis;
    private final int missLimit;
    private long nextSweepAt;
    private long pollSequence;
    private volatile boolean sweepRequested;
    private boolean pausedForServices;

    PollScheduler(MonitorDaemon daemon, long intervalMillis, int missLimit, long now) {
        this.daemon = daemon;
        this.intervalMillis = intervalMillis;
        this.missLimit = missLimit;
        this.nextSweepAt = now + intervalMillis;
    }

    /** Runs a sweep if one is due; returns the number of polls sent. */
    int doWork(long now, Collection<Session> sessions) {
        if (now < nextSweepAt && !sweepRequested) {
            return 0;
        }
        sweepRequested = false;
        if (now >= nextSweepAt) {
            nextSweepAt = Math.max(nextSweepAt + intervalMillis, now + 1);
        }
        return sweep(now, sessions);
    }

    /** Asks for a sweep at the next step (MONITOR_POLL_NOW). */
    void requestSweep() {
        sweepRequested = true;
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
            LOG.log(servicesBehind ? System.Logger.Level.WARNING : System.Logger.Level.INFO, servicesBehind
                    ? "the SLA services are behind (half their mailbox not taken): polls paused; gateways report the longer interval later"
                    : "the SLA services caught up: polls resumed");
        }
        for (Session session : sessions) {
            if (session.isClosed()) {
                continue;
            }
            if (!session.inSession()) {
                if (now - session.connectedAt > daemon.context().handshakeTimeoutMillis()) {
                    daemon.handshakeTimedOut(session);
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
                daemon.reportState(session.gatewayId, GatewayState.REACHABLE_AGAIN, 0);
            }
            return;
        }
        session.missedPolls++;
        if (session.missedPolls >= missLimit && !session.unreachable) {
            session.unreachable = true;
            daemon.counters().unreachableMarked.increment();
            daemon.reportState(session.gatewayId, GatewayState.UNREACHABLE, session.missedPolls);
        }
        if (session.missedPolls >= 3 * missLimit) {
            daemon.closeSession(session, "silent for " + session.missedPolls + " polls");
        }
    }
}
