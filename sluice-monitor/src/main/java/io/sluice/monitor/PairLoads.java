package io.sluice.monitor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pairs' loads: the conductor measures the sessions' costs and the pairs' loads ({@link PairBalancer}) and moves
 * sessions between pairs by them (or by count), and the acceptor places new gateways by them. See CONCURRENCY.md.
 */
final class PairLoads {
    private final ThreadPairs pairs;
    private final Map<Integer, Session> sessions;
    private final boolean byLoad;
    /** When the last measure was taken; conductor thread. */
    private long lastMeasureAt;

    PairLoads(ThreadPairs pairs, Map<Integer, Session> sessions, boolean byLoad, long nowMillis) {
        this.pairs = pairs;
        this.sessions = sessions;
        this.byLoad = byLoad;
        this.lastMeasureAt = nowMillis;
    }

    /**
     * The pair a new session goes to, counted on it as placed since the last measure; under the pairs'
     * {@link ThreadPairs#choiceLock()}.
     */
    ThreadPair place() {
        ThreadPair pair = byLoad ? placeByLoad() : pairs.leastLoadedPair();
        pair.placedSinceMeasure++;
        return pair;
    }

    /**
     * The pair with the least load, counting the gateways placed since the last measure at the average cost (under the
     * choice lock); the retiring one aside. With nothing measured, the one with the fewest sessions.
     */
    private ThreadPair placeByLoad() {
        List<ThreadPair> all = pairs.all();
        ThreadPair retiring = pairs.retiring();
        double[] load = new double[all.size()];
        int[] placed = new int[all.size()];
        int[] count = new int[all.size()];
        int skip = -1;
        for (int p = 0; p < load.length; p++) {
            ThreadPair pair = all.get(p);
            load[p] = pair.load();
            placed[p] = pair.placedSinceMeasure;
            count[p] = pair.sessionCount();
            skip = pair == retiring ? p : skip;
        }
        return all.get(PairBalancer.place(load, placed, count, pairs.averageSessionCost(), skip));
    }

    /**
     * Moves sessions from the busiest pair to the least busy one when they differ by more than a tenth of the average:
     * by load (the sessions' measured costs) unless the context balances by count. Returns the number of moves started.
     */
    int rebalance() {
        return byLoad ? rebalanceByLoad() : rebalanceByCount();
    }

    /**
     * One measure of the sessions' costs (the time spent on each since the last, smoothed: PairBalancer) and the pairs'
     * loads, which the acceptor places new gateways by. Conductor thread (or a test driving it).
     */
    void measureLoads(long nowMillis) {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(nowMillis - lastMeasureAt);
        lastMeasureAt = nowMillis;
        List<ThreadPair> all = pairs.all();
        double[] load = new double[all.size()];
        double total = 0;
        int measured = 0;
        for (Session session : sessions.values()) {
            long busy = session.busyNanos.get();
            session.cost = PairBalancer.smoothed(session.cost, busy - session.busySeenNanos, intervalNanos);
            session.busySeenNanos = busy;
            if (Double.isNaN(session.cost)) {
                // Never measured over an interval of some length: nothing known to add.
                continue;
            }
            ThreadPair pair = session.migrateTo != null ? session.migrateTo : session.pair;
            int p = all.indexOf(pair);
            if (p >= 0) {
                load[p] += session.cost;
            }
            total += session.cost;
            measured++;
        }
        synchronized (pairs.choiceLock()) {
            for (int p = 0; p < load.length; p++) {
                all.get(p).load(load[p]);
                all.get(p).placedSinceMeasure = 0;
            }
            pairs.averageSessionCost(measured == 0 ? 0 : total / measured);
        }
    }

    /**
     * Moves the costliest sessions that fit from the pair with the most load to the one with the least, when they
     * differ by more than a tenth of the average (PairBalancer.moves). A session not measured yet counts as the average
     * one, and with nothing measured each counts as one: balancing by count. A retiring pair takes no part. Returns the
     * number of moves started.
     */
    private int rebalanceByLoad() {
        List<ThreadPair> all = pairs.all();
        List<Session> candidates = List.copyOf(sessions.values());
        int[] pairOf = new int[candidates.size()];
        double[] cost = new double[candidates.size()];
        boolean[] movable = new boolean[candidates.size()];
        double known = 0;
        int measured = 0;
        for (Session session : candidates) {
            if (!Double.isNaN(session.cost)) {
                known += session.cost;
                measured++;
            }
        }
        double unmeasured = measured == 0 ? 1 : known / measured;
        for (int s = 0; s < pairOf.length; s++) {
            Session session = candidates.get(s);
            ThreadPair pair = session.migrateTo != null ? session.migrateTo : session.pair;
            pairOf[s] = Math.max(0, all.indexOf(pair));
            cost[s] = measured == 0 ? 1 : Double.isNaN(session.cost) ? unmeasured : session.cost;
            movable[s] = session.inSession()
                    && session.migrateTo == null
                    && !session.isClosed()
                    && all.contains(session.pair);
        }
        ThreadPair retiringPair = pairs.retiring();
        int[] moveTo = PairBalancer.moves(
                all.size(), retiringPair == null ? -1 : all.indexOf(retiringPair), pairOf, cost, movable);
        int moved = 0;
        for (int s = 0; s < moveTo.length; s++) {
            if (moveTo[s] >= 0) {
                Session session = candidates.get(s);
                session.migrateTo = all.get(moveTo[s]);
                session.pair.inbound().release(session);
                moved++;
            }
        }
        return moved;
    }

    /**
     * Moves sessions from the pair with the most sessions to the one with the fewest when they differ by more than a
     * tenth of the average (and at least two). A retiring pair takes no part.
     */
    private int rebalanceByCount() {
        ThreadPair skip = pairs.retiring();
        List<ThreadPair> active = pairs.all().stream().filter(p -> p != skip).toList();
        if (active.size() < 2) {
            return 0;
        }
        ThreadPair busiest = active.get(0);
        ThreadPair idlest = active.get(0);
        for (ThreadPair pair : active) {
            if (pair.sessionCount() > busiest.sessionCount()) {
                busiest = pair;
            }
            if (pair.sessionCount() < idlest.sessionCount()) {
                idlest = pair;
            }
        }
        int gap = busiest.sessionCount() - idlest.sessionCount();
        double average = (double) sessions.size() / active.size();
        if (gap < Math.max(2, average / 10)) {
            return 0;
        }
        int toMove = gap / 2;
        int moved = 0;
        for (Session session : sessions.values()) {
            if (moved == toMove) {
                break;
            }
            if (session.pair == busiest && session.inSession() && session.migrateTo == null && !session.isClosed()) {
                session.migrateTo = idlest;
                busiest.inbound().release(session);
                moved++;
            }
        }
        return moved;
    }
}
