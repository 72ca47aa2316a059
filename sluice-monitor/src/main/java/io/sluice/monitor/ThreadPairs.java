package io.sluice.monitor;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The daemon's thread pairs: how many run (the sizing, one pair retiring at a time), which inbound threads share work,
 * and the moves of sessions between pairs that the conductor starts. Measuring the pairs' loads and balancing by them
 * is {@link PairLoads}'. See CONCURRENCY.md: the list changes on the conductor alone, the acceptor reads it.
 */
final class ThreadPairs {
    private static final System.Logger LOG = System.getLogger(ThreadPairs.class.getName());

    private final MonitorDaemon daemon;
    private final MonitorContext context;
    private final MonitorCounters counters;
    private final Map<Integer, Session> sessions;
    private final Map<Long, Session> sessionsByGateway;
    private final List<ThreadPair> pairs = new CopyOnWriteArrayList<>();
    /** The pairs' inbound threads, for work sharing: replaced (never changed) as pairs come and go. */
    private volatile InboundThread[] inbounds = new InboundThread[0];
    /** The formula and its hysteresis; null when the context fixes the number of pairs. */
    private final ThreadPairSizing sizing;
    /** The pair being emptied before it stops (always the last), or null. Set and cleared by the conductor. */
    private volatile ThreadPair retiring;
    /** The average cost of a session at the last measure (PairBalancer), for placing gateways not measured yet. */
    private volatile double averageSessionCost;
    /**
     * Held while a new session picks its pair and counts itself on it, and while the conductor stops an empty retiring
     * pair, so no session lands on a pair that is stopping.
     */
    private final Object pairChoice = new Object();
    /** Moves asked for through {@link #moveGateway}, {gateway id, pair index}: the conductor applies them. */
    private final Queue<long[]> movesRequested = new ConcurrentLinkedQueue<>();

    ThreadPairs(
            MonitorDaemon daemon,
            MonitorContext context,
            MonitorCounters counters,
            Map<Integer, Session> sessions,
            Map<Long, Session> sessionsByGateway) {
        this.daemon = daemon;
        this.context = context;
        this.counters = counters;
        this.sessions = sessions;
        this.sessionsByGateway = sessionsByGateway;
        // Before any gateway is measured, the first count assumes 200 us a gateway (docs/design.md, "The monitor's
        // thread pairs").
        this.sizing = context.pairs() > 0
                ? null
                : new ThreadPairSizing(
                        ThreadPairSizing.Settings.defaults(context.pairCeiling()),
                        ThreadPairSizing.pairs(
                                context.expectedGateways(), ThreadPairSizing.DEFAULT_QUANTUM_MILLIS, 200));
    }

    /** Starts the first pairs: the context's count, or the sizing's first answer. */
    void startInitial() {
        int initialPairs = sizing == null ? context.pairs() : sizing.pairs();
        for (int i = 0; i < initialPairs; i++) {
            pairs.add(new ThreadPair(i, daemon, context.maxConnections()).start());
        }
        publishInbounds();
    }

    /** The pairs running now (a copy-on-write list: iterate it freely from any thread). */
    List<ThreadPair> all() {
        return pairs;
    }

    ThreadPair get(int index) {
        return pairs.get(index);
    }

    int count() {
        return pairs.size();
    }

    ThreadPair retiring() {
        return retiring;
    }

    /** The lock under which a new session picks its pair and an empty retiring pair is removed. */
    Object choiceLock() {
        return pairChoice;
    }

    double averageSessionCost() {
        return averageSessionCost;
    }

    /** The average cost at a measure; under {@link #choiceLock()}. */
    void averageSessionCost(double average) {
        averageSessionCost = average;
    }

    private void publishInbounds() {
        inbounds = pairs.stream().map(ThreadPair::inbound).toArray(InboundThread[]::new);
    }

    /**
     * Wakes one inbound thread other than {@code busy} that sleeps with nothing to do, to share the busy one's work.
     */
    void wakeIdleInbound(InboundThread busy) {
        for (InboundThread inbound : inbounds) {
            if (inbound != busy && inbound.wakeIfIdle()) {
                return;
            }
        }
    }

    /** The inbound thread other than {@code idle} with the most sessions ready and untaken (at least two), or null. */
    InboundThread busiestInbound(InboundThread idle) {
        InboundThread busiest = null;
        int most = 1;
        for (InboundThread inbound : inbounds) {
            int remaining = inbound.readyRemaining();
            if (inbound != idle && remaining > most) {
                busiest = inbound;
                most = remaining;
            }
        }
        return busiest;
    }

    /**
     * The index of the pair that serves {@code gatewayId}'s session (the one it is moving to, if it is), or -1 without
     * a session.
     */
    int pairOf(long gatewayId) {
        Session session = sessionsByGateway.get(gatewayId);
        if (session == null) {
            return -1;
        }
        ThreadPair pair = session.migrateTo != null ? session.migrateTo : session.pair;
        return pair == null ? -1 : pair.index();
    }

    /** Asks the conductor to move {@code gatewayId}'s session to pair {@code pairIndex} at its next step. */
    void moveGateway(long gatewayId, int pairIndex) {
        movesRequested.add(new long[] {gatewayId, pairIndex});
    }

    /** The moves asked for since the last step. Conductor thread. */
    void applyRequestedMoves() {
        long[] move;
        while ((move = movesRequested.poll()) != null) {
            Session session = sessionsByGateway.get(move[0]);
            List<ThreadPair> all = pairs;
            if (session == null || move[1] < 0 || move[1] >= all.size()) {
                continue;
            }
            ThreadPair target = all.get((int) move[1]);
            if (target != retiring
                    && session.pair != target
                    && session.inSession()
                    && session.migrateTo == null
                    && !session.isClosed()
                    && all.contains(session.pair)) {
                session.migrateTo = target;
                session.pair.inbound().release(session);
            }
        }
    }

    /** The pair with the fewest sessions, the retiring one aside. */
    ThreadPair leastLoadedPair() {
        ThreadPair skip = retiring;
        ThreadPair best = null;
        for (ThreadPair pair : pairs) {
            if (pair != skip && (best == null || pair.sessionCount() < best.sessionCount())) {
                best = pair;
            }
        }
        return best;
    }

    /**
     * One sizing step: the passes every thread recorded since the last step go into the sizing's window, the sizing
     * says how many pairs to run ({@link ThreadPairSizing}), and the pairs follow. With a fixed count the passes are
     * cleared, so the counts never pile up.
     */
    void resize() {
        if (sizing == null) {
            for (ThreadPair pair : pairs) {
                pair.inbound().processingTimes().clear();
                pair.outbound().processingTimes().clear();
            }
            return;
        }
        sizing.beginInterval();
        for (ThreadPair pair : pairs) {
            pair.inbound().processingTimes().drainInto(sizing.inboundInterval());
            pair.outbound().processingTimes().drainInto(sizing.outboundInterval());
        }
        resizeTo(sizing.decide(context.clock().epochMillis(), sessions.size()));
        retireStep();
    }

    /**
     * Runs {@code wanted} pairs: more are started at once (a retiring pair is kept first) and rebalancing
     * ({@link PairLoads#rebalance}) moves sessions onto them; fewer, and the last pair starts retiring:
     * {@link #retireStep} moves its sessions to the others and stops it once it is empty. One pair retires at a time.
     * Conductor thread only.
     */
    void resizeTo(int wanted) {
        int active = pairs.size() - (retiring == null ? 0 : 1);
        if (wanted > active) {
            if (retiring != null) {
                retiring = null;
                active++;
            }
            for (; active < wanted; active++) {
                addPair();
            }
        } else if (wanted < active && retiring == null && pairs.size() > 1) {
            retiring = pairs.getLast();
            LOG.log(
                    System.Logger.Level.INFO,
                    "retiring thread pair " + retiring.index() + ": " + wanted + " pairs serve the " + sessions.size()
                            + " gateways");
        }
    }

    void addPair() {
        pairs.add(new ThreadPair(pairs.size(), daemon, context.maxConnections()).start());
        publishInbounds();
        counters.pairsAdded.increment();
    }

    /**
     * One step of retiring a pair: each of its sessions in session moves to the pair with the least load (by count: the
     * fewest sessions) counting the moves planned in this step (a session still in its handshake moves at a later
     * step), and once no session is on it or on its way to it, its threads stop. Returns true when the pair was
     * stopped. Conductor thread only.
     */
    boolean retireStep() {
        ThreadPair pair = retiring;
        if (pair == null) {
            return false;
        }
        int[] planned = new int[pairs.size()];
        double[] plannedLoad = new double[pairs.size()];
        boolean busy = false;
        for (Session session : sessions.values()) {
            if (session.pair == pair && session.migrateTo == null && session.inSession() && !session.isClosed()) {
                ThreadPair to = context.balanceByLoad() ? lightest(plannedLoad, pair) : leastLoaded(planned, pair);
                planned[to.index()]++;
                plannedLoad[to.index()] += Double.isNaN(session.cost) ? averageSessionCost : session.cost;
                session.migrateTo = to;
                pair.inbound().release(session);
            }
            busy |= session.pair == pair || session.migrateTo == pair;
        }
        if (busy) {
            return false;
        }
        synchronized (pairChoice) {
            if (pair.sessionCount() > 0) {
                return false;
            }
            pairs.remove(pair);
            retiring = null;
        }
        publishInbounds();
        try {
            pair.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        counters.pairsRetired.increment();
        LOG.log(System.Logger.Level.INFO, "thread pair " + pair.index() + " retired; " + pairs.size() + " pairs run");
        return true;
    }

    /** The pair, {@code skip} aside, with the least load counting the moves planned this step. */
    private ThreadPair lightest(double[] plannedLoad, ThreadPair skip) {
        ThreadPair best = null;
        for (ThreadPair pair : pairs) {
            if (pair != skip
                    && (best == null
                            || pair.load() + plannedLoad[pair.index()] < best.load() + plannedLoad[best.index()])) {
                best = pair;
            }
        }
        return best;
    }

    /** The pair, {@code skip} aside, with the fewest sessions counting the moves planned this step. */
    private ThreadPair leastLoaded(int[] planned, ThreadPair skip) {
        ThreadPair best = null;
        for (ThreadPair pair : pairs) {
            if (pair != skip
                    && (best == null
                            || pair.sessionCount() + planned[pair.index()]
                                    < best.sessionCount() + planned[best.index()])) {
                best = pair;
            }
        }
        return best;
    }

    /** The sizing's Tptmax at its last step (microseconds), 0 with a fixed count or before any step. */
    double tptMaxMicros() {
        return sizing == null ? 0 : sizing.tptMaxMicros();
    }

    /** Stops every pair, the last first. */
    void close() throws InterruptedException {
        for (ThreadPair pair : pairs.reversed()) {
            pair.close();
        }
    }
}
