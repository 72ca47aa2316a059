package io.sluice.monitor;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.PeriodicStep;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The conductor ({@code monitor-conductor}), an agent on its own runner: every 5 ms, or at once when woken, the poll
 * cycle, the registry's recheck, the moves asked for and the handshake deadlines; every {@link #SIZING_INTERVAL_MILLIS}
 * the certificates of the sessions, the pairs' sizing, loads and balance. See CONCURRENCY.md for what it owns.
 */
final class MonitorConductor implements Agent {
    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    static final long SIZING_INTERVAL_MILLIS = 2_000;
    /** How often unauthenticated connections are checked against the handshake timeout. */
    static final long HANDSHAKE_SWEEP_MILLIS = 100;
    /** The pause after every step, unless woken for polls asked for. */
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long closing waits for the last turn to end. */
    private static final long JOIN_MILLIS = 2_000;

    private final MonitorDaemon daemon;
    private final MonitorContext context;
    private final Map<Integer, Session> sessions;
    private final ThreadPairs pairs;
    private final PairLoads loads;
    private final ConnectionAcceptor acceptor;
    private final PollScheduler pollScheduler;
    private final PeriodicStep sizing;
    private final PeriodicStep handshakeSweep;
    private final AgentRunner runner;

    MonitorConductor(
            MonitorDaemon daemon,
            Map<Integer, Session> sessions,
            ThreadPairs pairs,
            PairLoads loads,
            ConnectionAcceptor acceptor,
            PollScheduler pollScheduler) {
        this.daemon = daemon;
        this.context = daemon.context();
        this.sessions = sessions;
        this.pairs = pairs;
        this.loads = loads;
        this.acceptor = acceptor;
        this.pollScheduler = pollScheduler;
        long now = context.clock().epochMillis();
        this.sizing = sizingStep(now);
        this.handshakeSweep = handshakeSweepStep(now);
        this.runner = new AgentRunner(this, this::pause, context.clock(), JOIN_MILLIS);
    }

    /** Sizing waits an interval from the start: the pairs have measured nothing before. */
    static PeriodicStep sizingStep(long startMillis) {
        return new PeriodicStep(SIZING_INTERVAL_MILLIS, startMillis + SIZING_INTERVAL_MILLIS);
    }

    static PeriodicStep handshakeSweepStep(long startMillis) {
        return new PeriodicStep(HANDSHAKE_SWEEP_MILLIS, startMillis);
    }

    MonitorConductor start() {
        runner.start();
        return this;
    }

    /** One step; returns the polls sent. */
    @Override
    public int doWork(long now) {
        int polled = pollScheduler.doWork(now, sessions.values());
        daemon.registry().recheck(now);
        pairs.applyRequestedMoves();
        if (handshakeSweep.due(now)) {
            acceptor.closeUnfinishedHandshakes(now);
        }
        if (sizing.due(now)) {
            closeRevokedAndExpired(now);
            pairs.resize();
            loads.measureLoads(now);
            loads.rebalance();
        }
        // A retired pair's last calls get their slots back.
        daemon.services().drainIdle(pairs.count());
        return polled;
    }

    @Override
    public String roleName() {
        return "monitor-conductor";
    }

    /**
     * The runner's idle strategy: a pause after a step that did work too, since a step does all that is due and the
     * next would find nothing before the pause is over or a wake (an unpark) asks for polls.
     */
    private void pause(int polled) {
        LockSupport.parkNanos(this, PAUSE_NANOS);
    }

    /**
     * Ends the sessions whose client certificate was revoked or has expired since their handshake (new connections with
     * it are refused by the trust manager). A gateway renews at two thirds of its certificate's life and connects again
     * with the new one.
     */
    private void closeRevokedAndExpired(long now) {
        if (context.tls() == null) {
            return;
        }
        Predicate<BigInteger> revoked = context.tls().revocations().current();
        for (Session session : sessions.values()) {
            BigInteger serial = session.certificateSerial;
            if (serial != null && revoked.test(serial)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "closing " + session + ": its certificate " + serial.toString(16) + " was revoked");
                daemon.closeSession(session, "certificate revoked");
            } else if (serial != null && now > session.certificateNotAfter) {
                daemon.counters().certificatesExpiredInSession.increment();
                LOG.log(
                        System.Logger.Level.WARNING,
                        "closing " + session + ": its certificate " + serial.toString(16)
                                + " expired at " + Instant.ofEpochMilli(session.certificateNotAfter)
                                + " (the gateway did not renew it, or has not reconnected with the renewed one)");
                daemon.closeSession(session, "certificate expired");
            }
        }
    }

    /** Cuts the conductor's pause short for a step now (polls asked for). */
    void wake() {
        runner.wake();
    }

    /** What is wrong with the conductor (dead, or not turning for {@code stallNanos}), or null. */
    String problem(long nowNanos, long stallNanos) {
        return runner.problem(nowNanos, stallNanos);
    }

    /** Starts no more steps and waits (bounded) for the one under way to end. */
    void close() throws InterruptedException {
        runner.close();
    }
}
