package io.sluice.db.lease;

import io.sluice.db.store.SqlStates;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Holds or waits for the lease that makes one of several servers sharing one PostgreSQL the active one (docs/design.md,
 * "High availability: the lease"). A single-threaded {@link #doWork} against the monotonic time it is given
 * ({@link System#nanoTime} in a server), so tests step it by hand: a standby tries to take the lease, the holder renews
 * it, each every {@link LeaseSettings#retryEveryMillis}.
 *
 * <p>The holder stops acting at its deadline, the start of its last successful renewal plus the safety margin, by its
 * own clock, whether or not a step runs then: {@link #activeEpoch} answers from the deadline, so a renewal hung on a
 * partitioned network cannot keep it acting. The lease expires in the database a full duration after that renewal
 * reached it, later than the deadline, and only then can a standby take it, with the epoch one more.
 *
 * <p>Threads: one thread steps the keeper and closes it; any thread may read {@link #status} and {@link #activeEpoch},
 * which read one immutable snapshot.
 */
public final class LeaseKeeper implements AutoCloseable {
    private final LeaseSettings settings;
    private final LeaseConnections connections;
    private final String token = UUID.randomUUID().toString();
    private final long marginNanos;
    private final long retryNanos;
    private final List<LeaseListener> listeners = new CopyOnWriteArrayList<>();
    private Connection connection;
    private boolean stepped;
    private long nextAttemptNanos;
    private volatile LeaseStatus status = LeaseStatus.INITIAL;
    private volatile LeaseStoreException lastFailure;

    public LeaseKeeper(LeaseSettings settings, LeaseConnections connections) {
        this.settings = settings;
        this.connections = connections;
        this.marginNanos = TimeUnit.MILLISECONDS.toNanos(settings.safetyMarginMillis());
        this.retryNanos = TimeUnit.MILLISECONDS.toNanos(settings.retryEveryMillis());
    }

    public void addListener(LeaseListener listener) {
        listeners.add(listener);
    }

    /**
     * One step at monotonic time {@code nowNanos}, taken just before the step (an older time only makes the holder stop
     * sooner). Never throws for the database: a failed statement is kept as {@link #lastFailure} and, for the holder,
     * counts against its margin.
     */
    public void doWork(long nowNanos) {
        LeaseStatus current = status;
        if (current.state() == LeaseState.ACTIVE && nowNanos - current.deadlineNanos() >= 0) {
            publish(
                    new LeaseStatus(LeaseState.LOST, current.epoch(), 0, current.holder(), current.holderEpoch()),
                    "renewal has not succeeded for the safety margin of " + settings.safetyMarginMillis() + " ms");
            current = status;
        }
        if (stepped && nowNanos - nextAttemptNanos < 0) {
            return;
        }
        stepped = true;
        nextAttemptNanos = nowNanos + retryNanos;
        boolean reused = connection != null;
        try {
            attempt(current, nowNanos);
        } catch (SQLException stale) {
            dropConnection();
            if (!reused || !SqlStates.isConnectionFailure(stale)) {
                lastFailure = failure("the lease statement failed", stale);
                return;
            }
            // The connection kept between steps broke (a restarted or failed-over server): one more try
            // on a fresh one, so that alone does not cost a renewal. Both statements are safe to repeat.
            try {
                attempt(current, nowNanos);
            } catch (SQLException e) {
                lastFailure = failure("the lease statement failed", e);
                dropConnection();
                return;
            }
        }
        lastFailure = null;
    }

    private void attempt(LeaseStatus current, long startNanos) throws SQLException {
        if (current.state() == LeaseState.ACTIVE) {
            renew(current, startNanos);
        } else {
            acquire(current, startNanos);
        }
    }

    private void renew(LeaseStatus current, long startNanos) throws SQLException {
        Connection c = connection();
        if (LeaseTable.renew(c, token, current.epoch(), settings.durationMillis())) {
            publish(
                    new LeaseStatus(
                            LeaseState.ACTIVE,
                            current.epoch(),
                            startNanos + marginNanos,
                            settings.holder(),
                            current.epoch()),
                    null);
            return;
        }
        LeaseTable.Row row = LeaseTable.read(c);
        String reason = row != null && row.epoch() != current.epoch()
                ? "taken by " + row.holder() + " at epoch " + row.epoch()
                : "expired in the database before it was renewed";
        publish(lostSeeing(current, row), reason);
    }

    private static LeaseStatus lostSeeing(LeaseStatus current, LeaseTable.Row row) {
        return row == null
                ? new LeaseStatus(LeaseState.LOST, current.epoch(), 0, current.holder(), current.holderEpoch())
                : new LeaseStatus(LeaseState.LOST, current.epoch(), 0, row.holder(), row.epoch());
    }

    private void acquire(LeaseStatus current, long startNanos) throws SQLException {
        Connection c = connection();
        long epoch = LeaseTable.acquire(c, settings.holder(), token, settings.durationMillis());
        if (epoch > 0) {
            publish(
                    new LeaseStatus(LeaseState.ACTIVE, epoch, startNanos + marginNanos, settings.holder(), epoch),
                    "took the lease at epoch " + epoch);
            return;
        }
        LeaseTable.Row row = LeaseTable.read(c);
        String holder = row == null ? "" : row.holder();
        long holderEpoch = row == null ? 0 : row.epoch();
        publish(
                new LeaseStatus(LeaseState.STANDBY, 0, 0, holder, holderEpoch),
                "held by " + holder + " at epoch " + holderEpoch);
    }

    /** Publishes the new snapshot, then tells the listeners if the state changed. */
    private void publish(LeaseStatus next, String reason) {
        LeaseStatus previous = status;
        status = next;
        if (previous.state() != next.state()) {
            LeaseTransition transition = new LeaseTransition(previous.state(), next.state(), next.epoch(), reason);
            for (LeaseListener listener : listeners) {
                listener.onTransition(transition);
            }
        }
    }

    /**
     * The epoch to stamp on an action taken at {@code nowNanos}, or 0 if this server must not act: it does not hold the
     * lease, or its deadline has passed (even if no step has run since to say LOST).
     */
    public long activeEpoch(long nowNanos) {
        LeaseStatus s = status;
        return s.state() == LeaseState.ACTIVE && nowNanos - s.deadlineNanos() < 0 ? s.epoch() : 0;
    }

    public LeaseStatus status() {
        return status;
    }

    /** Why the last step could not reach or use the database; null after a step that could. */
    public LeaseStoreException lastFailure() {
        return lastFailure;
    }

    private static LeaseStoreException failure(String what, SQLException e) {
        return SqlStates.isConnectionFailure(e)
                ? new LeaseUnavailableException(what + ": the database cannot be reached: " + e.getMessage(), e)
                : new LeaseStoreException(what + ": " + e.getMessage(), e);
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = connections.open();
        }
        return connection;
    }

    private void dropConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken: the next step opens a fresh one.
            }
            connection = null;
        }
    }

    /**
     * Stops acting and, if this server holds the lease, ends it in the database so a standby takes over at its next try
     * instead of after the expiry (best effort: if the database cannot be reached the lease simply expires).
     */
    @Override
    public void close() {
        LeaseStatus current = status;
        if (current.state() == LeaseState.ACTIVE) {
            publish(
                    new LeaseStatus(LeaseState.LOST, current.epoch(), 0, current.holder(), current.holderEpoch()),
                    "released on close");
            try {
                LeaseTable.release(connection(), token, current.epoch());
            } catch (SQLException e) {
                lastFailure = failure("could not release the lease", e);
            }
        }
        dropConnection();
    }
}
