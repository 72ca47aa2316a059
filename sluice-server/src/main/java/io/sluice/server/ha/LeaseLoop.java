package io.sluice.server.ha;

import io.sluice.common.PrivateFiles;
import io.sluice.db.lease.LeaseConnections;
import io.sluice.db.lease.LeaseKeeper;
import io.sluice.db.lease.LeaseStoreException;
import io.sluice.server.config.HaSettings;
import io.sluice.server.config.ServerSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Steps the server's {@link LeaseKeeper} on a thread of its own ({@code sluice-lease}), every tenth of a second (the
 * keeper itself talks to the database once per {@code renew-every-ms}), and closes it there, releasing a held lease.
 * Its own thread because a lease statement may block for up to the safety margin on a broken network: the supervisor's
 * thread, which must stop the monitor at the holder's deadline, only reads the keeper's snapshot.
 */
public final class LeaseLoop implements AutoCloseable {
    private static final long STEP_MILLIS = 100;
    private final LeaseKeeper keeper;
    private final Thread thread;
    private final Consumer<String> log;
    private volatile boolean running = true;
    private String lastFailure;

    public LeaseLoop(LeaseKeeper keeper, Consumer<String> log) {
        this.keeper = keeper;
        this.log = log;
        keeper.addListener(t -> log.accept("lease: " + t.from() + " -> " + t.to()
                + (t.epoch() > 0 ? " at epoch " + t.epoch() : "")
                + (t.reason() == null ? "" : " (" + t.reason() + ")")));
        this.thread = Thread.ofPlatform().name("sluice-lease").daemon().start(this::run);
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

    public LeaseView view() {
        return LeaseView.of(keeper);
    }

    private void run() {
        try {
            while (running) {
                keeper.doWork(System.nanoTime());
                LeaseStoreException failure = keeper.lastFailure();
                String message = failure == null ? null : failure.getMessage();
                if (!Objects.equals(message, lastFailure)) {
                    log.accept(message == null ? "lease: the database answers again" : "lease: " + message);
                    lastFailure = message;
                }
                Thread.sleep(STEP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            keeper.close();
        }
    }

    /** Stops stepping and closes the keeper on its own thread, which releases the lease if held. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
