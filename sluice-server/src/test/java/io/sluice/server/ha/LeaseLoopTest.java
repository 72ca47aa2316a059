package io.sluice.server.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.lease.LeaseKeeper;
import io.sluice.db.lease.LeaseSettings;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The lease loop never started, turned by hand at a monotonic time the test moves, against a database that refuses
 * every connection: the keeper is stepped at that time and its failure logged once however often it repeats.
 */
class LeaseLoopTest {
    @Test
    void stepsTheKeeperAtItsTimeAndLogsAFailureOnceUntilItChanges() throws Exception {
        AtomicLong nanos = new AtomicLong(TimeUnit.SECONDS.toNanos(1));
        AtomicInteger attempts = new AtomicInteger();
        LeaseKeeper keeper = new LeaseKeeper(new LeaseSettings("a", 30_000, 20_000, 1_000), () -> {
            throw new SQLException(attempts.incrementAndGet() < 3 ? "connection refused" : "connection reset", "08001");
        });
        List<String> log = new ArrayList<>();
        LeaseLoop loop = new LeaseLoop(keeper, log::add, nanos::get);
        assertThat(attempts).as("the constructor starts nothing").hasValue(0);

        assertThat(loop.doWork(0)).isZero();
        assertThat(attempts).hasValue(1);
        assertThat(log).singleElement().asString().startsWith("lease: ").contains("connection refused");

        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        loop.doWork(0);
        assertThat(attempts)
                .as("the keeper tries once a second, not every turn")
                .hasValue(1);
        assertThat(log).hasSize(1);

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        loop.doWork(0);
        assertThat(attempts).hasValue(2);
        assertThat(log).as("the same failure again is not logged again").hasSize(1);

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        loop.doWork(0);
        assertThat(attempts).hasValue(3);
        assertThat(log).as("a different failure is").hasSize(2);
        assertThat(log.get(1)).contains("connection reset");
        loop.close();
    }
}
