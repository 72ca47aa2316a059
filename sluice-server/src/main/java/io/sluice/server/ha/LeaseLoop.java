package io.sluice.server.ha;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.BackoffIdleStrategy;
import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.db.lease.LeaseConnections;
import io.sluice.db.lease.LeaseKeeper;
import io.sluice.db.lease.LeaseStoreException;
import io.sluice.server.config.HaSettings;
import io.sluice.server.config.ServerSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Steps the server's {@link LeaseKeeper} on a thread of its own ({@code sluice-lease}), every tenth of a second (the
 * keeper itself talks to the database once per {@code renew-every-ms}), and closes it there, releasing a held lease.
 * Its own thread because a lease statement may block for up to the safety margin on a broken network: the supervisor's
 * thread, which must stop the monitor at the holder's deadline, only reads the keeper's snapshot. An {@link Agent} on
 * an {@link AgentRunner}: the constructor starts nothing, {@link #start()} does, and a test turns it by hand.
 */
public final class LeaseLoop implements Agent, AutoCloseable {
    static final String ROLE_NAME = "sluice-lease";
    private static final long STEP_MILLIS = 100;
    private static final long JOIN_MILLIS = 10_000;
    private final LeaseKeeper keeper;
    private final Consumer<String> log;
    private final LongSupplier nanoClock;
    private final AgentRunner runner;
    private String lastFailure;

    public LeaseLoop(LeaseKeeper keeper, Consumer<String> log) {
        this(keeper, log, System::nanoTime);
    }

    /** @param nanoClock the monotonic time the keeper is stepped at ({@link System#nanoTime} but in tests) */
    LeaseLoop(LeaseKeeper keeper, Consumer<String> log, LongSupplier nanoClock) {
        this.keeper = keeper;
        this.log = log;
        this.nanoClock = nanoClock;
        keeper.addListener(t -> log.accept("lease: " + t.from() + " -> " + t.to()
                + (t.epoch() > 0 ? " at epoch " + t.epoch() : "")
                + (t.reason() == null ? "" : " (" + t.reason() + ")")));
        this.runner = new AgentRunner(
                this,
                BackoffIdleStrategy.fixedPause(TimeUnit.MILLISECONDS.toNanos(STEP_MILLIS)),
                EpochClock.system(),
                JOIN_MILLIS);
    }

    /** The keeper on the server's PostgreSQL, with the database manager's URL, user and password file. */
    public static LeaseKeeper keeper(ServerSettings settings) throws IOException {
        HaSettings ha = Objects.requireNonNull(settings.ha(), "not a server in a pair");
        String password = settings.jdbcPasswordFile() == null
                ? ""
                : new String(PrivateFiles.readSecret(settings.jdbcPasswordFile()), StandardCharsets.UTF_8).strip();
        String user = settings.jdbcUser() == null ? "" : settings.jdbcUser();
        return new LeaseKeeper(ha.lease(), LeaseConnections.postgres(settings.jdbcUrl(), user, password, ha.lease()));
    }

    /** Starts stepping the keeper on {@code sluice-lease}; returns this. */
    public LeaseLoop start() {
        runner.start();
        return this;
    }

    public LeaseView view() {
        return LeaseView.of(keeper);
    }

    /** One step of the keeper; logs its failure when it changes. Never reports work: the runner pauses each turn. */
    @Override
    public int doWork(long nowMillis) {
        keeper.doWork(nanoClock.getAsLong());
        LeaseStoreException failure = keeper.lastFailure();
        String message = failure == null ? null : failure.getMessage();
        if (!Objects.equals(message, lastFailure)) {
            log.accept(message == null ? "lease: the database answers again" : "lease: " + message);
            lastFailure = message;
        }
        return 0;
    }

    /** Closes the keeper, which releases the lease if held; on the loop's thread (the caller's if never started). */
    @Override
    public void onClose() {
        keeper.close();
    }

    @Override
    public String roleName() {
        return ROLE_NAME;
    }

    /** Stops stepping and closes the keeper on its own thread, which releases the lease if held. */
    @Override
    public void close() throws InterruptedException {
        runner.close();
    }
}
