package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The conductor thread ({@code monitor-conductor}): every 5 ms the poll cycle, the registry's recheck, the moves asked
 * for and the handshake deadlines; every {@link #SIZING_INTERVAL_MILLIS} the certificates of the sessions, the pairs'
 * sizing, loads and balance. See CONCURRENCY.md for what it owns.
 */
final class MonitorConductor {
    private static final System.Logger LOG = System.getLogger(MonitorDaemon.class.getName());
    private static final long SIZING_INTERVAL_MILLIS = 2_000;
    /** How often unauthenticated connections are checked against the handshake timeout. */
    private static final long HANDSHAKE_SWEEP_MILLIS = 100;

    private final MonitorDaemon daemon;
    private final MonitorContext context;
    private final Map<Integer, Session> sessions;
    private final ThreadPairs pairs;
    private final PairLoads loads;
    private final ConnectionAcceptor acceptor;
    private final PollScheduler pollScheduler;
    private final LoopWatch watch = new LoopWatch("monitor-conductor");
    private final Thread thread;
    private volatile boolean running = true;

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
        this.thread = watch.newThread(this::conduct);
    }

    MonitorConductor start() {
        thread.start();
        return this;
    }

    private void conduct() {
        long nextSizing = context.clock().epochMillis() + SIZING_INTERVAL_MILLIS;
        long nextHandshakeSweep = context.clock().epochMillis();
        while (running) {
            watch.turn();
            long now = context.clock().epochMillis();
            pollScheduler.doWork(now, sessions.values());
            daemon.registry().recheck(now);
            pairs.applyRequestedMoves();
            if (now >= nextHandshakeSweep) {
                nextHandshakeSweep = now + HANDSHAKE_SWEEP_MILLIS;
                acceptor.closeUnfinishedHandshakes(now);
            }
            if (now >= nextSizing) {
                nextSizing = now + SIZING_INTERVAL_MILLIS;
                closeRevokedAndExpired(now);
                pairs.resize();
                loads.measureLoads(now);
                loads.rebalance();
            }
            // A retired pair's last calls get their slots back.
            daemon.services().drainIdle(pairs.count());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
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

    /** Wakes the conductor from its park for a step now (polls asked for). */
    void wake() {
        LockSupport.unpark(thread);
    }

    /** What is wrong with the conductor (dead, or not turning for {@code stallNanos}), or null. */
    String problem(long nowNanos, long stallNanos) {
        return watch.problem(nowNanos, stallNanos);
    }

    /** Clears the loop's flag; {@link #join} waits for it to end. */
    void stop() {
        running = false;
    }

    void join() throws InterruptedException {
        thread.join(2_000);
    }
}
