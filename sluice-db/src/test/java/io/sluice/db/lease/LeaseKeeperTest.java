package io.sluice.db.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.db.TestDatabase;
import io.sluice.db.store.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Servers competing for the lease on the machine's PostgreSQL, each a {@link LeaseKeeper} with its own connection and
 * clock. After every step the test checks the one property that matters, by the database's clock: whoever acts holds
 * the lease the database holds, unexpired, so two never act.
 */
@Tag("system")
class LeaseKeeperTest {
    private static final long GENEROUS_NANOS = TimeUnit.SECONDS.toNanos(120);

    private static TestDatabase database;
    private static Connection admin;
    private final List<Server> servers = new ArrayList<>();

    @BeforeAll
    static void createDatabase() throws Exception {
        database = TestDatabase.postgres();
        Database.open(database.url(), database.user(), database.password(), 1, 10_000)
                .close();
        admin = DriverManager.getConnection(database.url(), database.user(), database.password());
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        admin.close();
        database.close();
    }

    @BeforeEach
    void freeLease() throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("DELETE FROM server_lease");
        }
    }

    @AfterEach
    void closeKeepers() {
        servers.forEach(s -> s.keeper.close());
    }

    @Test
    void ofTwoServersExactlyOneIsActiveAndKeepsRenewing() throws Exception {
        AtomicLong time = new AtomicLong();
        Server a = server("a", new LeaseSettings("a", 30_000, 20_000, 1_000), time::get);
        Server b = server("b", new LeaseSettings("b", 30_000, 20_000, 1_000), time::get);
        for (int round = 0; round < 5; round++) {
            a.step();
            assertNeverTwoActive();
            b.step();
            assertNeverTwoActive();
            time.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        assertThat(a.keeper.activeEpoch(time.get())).isEqualTo(1);
        assertThat(b.keeper.status()).isEqualTo(new LeaseStatus(LeaseState.STANDBY, 0, 0, "a", 1));
        assertThat(a.transitions).extracting(LeaseTransition::to).containsExactly(LeaseState.ACTIVE);
        assertThat(b.transitions).isEmpty();
    }

    @Test
    void aHolderWhoseRenewalsFailStopsActingBeforeItsLeaseExpiresInTheDatabase() throws Exception {
        AtomicLong time = new AtomicLong();
        LeaseSettings settings = new LeaseSettings("a", 60_000, 20_000, 5_000);
        Server a = server("a", settings, time::get);
        Server b = server("b", new LeaseSettings("b", 60_000, 20_000, 5_000), time::get);
        a.step();
        assertThat(a.keeper.activeEpoch(time.get())).isEqualTo(1);

        a.link.cut();
        for (long at = 5_000; at < 20_000; at += 5_000) {
            time.set(TimeUnit.MILLISECONDS.toNanos(at));
            a.step();
            b.step();
            assertNeverTwoActive();
            assertThat(a.keeper.status().state()).isEqualTo(LeaseState.ACTIVE);
            assertThat(a.keeper.lastFailure()).isInstanceOf(LeaseUnavailableException.class);
        }
        assertThat(a.keeper.activeEpoch(TimeUnit.MILLISECONDS.toNanos(19_999)))
                .as("within the margin")
                .isEqualTo(1);
        assertThat(a.keeper.activeEpoch(TimeUnit.MILLISECONDS.toNanos(20_000)))
                .as("at the margin, even before a step says so")
                .isZero();

        time.set(TimeUnit.MILLISECONDS.toNanos(20_000));
        a.step();
        assertThat(a.transitions).extracting(LeaseTransition::to).containsExactly(LeaseState.ACTIVE, LeaseState.LOST);
        assertThat(a.transitions.getLast().reason()).contains("safety margin");
        assertThat(a.keeper.status().state()).isEqualTo(LeaseState.LOST);
        assertThat(databaseLease())
                .as("a stopped while the database still gave it the lease")
                .isEqualTo(new Lease(1, true));
        b.step();
        assertNeverTwoActive();
        assertThat(b.keeper.status())
                .as("b cannot take an unexpired lease")
                .isEqualTo(new LeaseStatus(LeaseState.STANDBY, 0, 0, "a", 1));

        a.link.heal();
        time.set(TimeUnit.MILLISECONDS.toNanos(25_000));
        a.step();
        assertNeverTwoActive();
        assertThat(a.keeper.activeEpoch(time.get()))
                .as("its own lease back, at the next epoch")
                .isEqualTo(2);
    }

    @Test
    void whenTheHolderStopsTheOtherTakesOverAfterTheExpiryAtTheNextEpoch() throws Exception {
        Server a = server("a", new LeaseSettings("a", 2_000, 1_200, 200), System::nanoTime);
        // b's own lease is long, so it still holds it when a comes back however slowly the machine runs.
        Server b = server("b", new LeaseSettings("b", 30_000, 20_000, 200), System::nanoTime);
        a.step();
        b.step();
        assertNeverTwoActive();
        long first = a.keeper.status().epoch();
        assertThat(first).isEqualTo(1);

        a.link.cut();
        long giveUp = System.nanoTime() + GENEROUS_NANOS;
        while (b.keeper.status().state() != LeaseState.ACTIVE && System.nanoTime() - giveUp < 0) {
            b.step();
            assertNeverTwoActive();
            Thread.sleep(20);
        }
        assertThat(b.keeper.status().epoch()).isEqualTo(first + 1);
        assertThat(a.keeper.activeEpoch(System.nanoTime())).isZero();

        a.link.heal();
        a.step();
        assertNeverTwoActive();
        assertThat(a.transitions)
                .extracting(LeaseTransition::to)
                .containsExactly(LeaseState.ACTIVE, LeaseState.LOST, LeaseState.STANDBY);
        assertThat(a.keeper.status()).isEqualTo(new LeaseStatus(LeaseState.STANDBY, 0, 0, "b", first + 1));
    }

    @Test
    void aHolderWhoseClockRunsSlowLearnsAtItsNextRenewalThatItWasTakenOver() throws Exception {
        AtomicLong frozen = new AtomicLong();
        Server a = server("a", new LeaseSettings("a", 1_000, 600, 100), frozen::get);
        Server b = server("b", new LeaseSettings("b", 30_000, 20_000, 100), System::nanoTime);
        a.step();
        long giveUp = System.nanoTime() + GENEROUS_NANOS;
        while (b.keeper.status().state() != LeaseState.ACTIVE && System.nanoTime() - giveUp < 0) {
            b.step();
            Thread.sleep(20);
        }
        // a's clock has not moved, so it would still act: only the epoch b's actions carry fences it.
        assertThat(b.keeper.status().epoch()).isEqualTo(a.keeper.status().epoch() + 1);
        frozen.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        a.step();
        assertThat(a.keeper.status().state()).isEqualTo(LeaseState.LOST);
        assertThat(a.transitions.getLast().reason()).isEqualTo("taken by b at epoch 2");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 23, 42})
    void theEpochIncreasesOnEveryTakeoverOfARandomSchedule(long seed) throws Exception {
        Random random = new Random(seed);
        LongSupplier clock = System::nanoTime;
        AtomicLong lastEpoch = new AtomicLong();
        AtomicLong acquisitions = new AtomicLong();
        LeaseListener epochs = t -> {
            if (t.to() == LeaseState.ACTIVE) {
                assertThat(t.epoch()).as("epoch after " + lastEpoch.get()).isGreaterThan(lastEpoch.get());
                lastEpoch.set(t.epoch());
                acquisitions.incrementAndGet();
            }
        };
        List<Server> live = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            live.add(server("s" + i, new LeaseSettings("s" + i, 3_000, 1_800, 100), clock));
            live.getLast().keeper.addListener(epochs);
        }
        int next = 3;
        long giveUp = System.nanoTime() + GENEROUS_NANOS;
        while (acquisitions.get() < 8 && System.nanoTime() - giveUp < 0) {
            int slot = random.nextInt(live.size());
            Server s = live.get(slot);
            int action = random.nextInt(100);
            boolean active = s.keeper.activeEpoch(clock.getAsLong()) != 0;
            if (action < 6 && active) {
                s.link.cut(); // killed: never stepped again, its lease left to expire
            } else if (action < 14 && active) {
                s.keeper.close(); // stopped: its lease released
            } else if (action < 17) {
                s.link.cut(); // partitioned, still stepping
                s.step();
            } else if (action < 22) {
                s.link.heal();
                s.step();
            } else {
                s.step();
            }
            if (action < 14 && active) {
                String name = "s" + next++;
                live.set(slot, server(name, new LeaseSettings(name, 3_000, 1_800, 100), clock));
                live.get(slot).keeper.addListener(epochs);
            }
            assertNeverTwoActive();
            Thread.sleep(random.nextInt(20));
        }
        assertThat(acquisitions.get()).as("acquisitions").isGreaterThanOrEqualTo(8);
        assertThat(databaseLease().epoch()).isEqualTo(lastEpoch.get());
    }

    @Test
    void ofSeveralServersTryingAtOnceOneWins() throws Exception {
        long epoch = 0;
        Server winner = null;
        for (int round = 0; round < 4; round++) {
            if (winner != null) {
                winner.keeper.close();
            }
            List<Server> contenders = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String name = "r" + round + "-" + i;
                contenders.add(server(name, new LeaseSettings(name, 30_000, 20_000, 1_000), System::nanoTime));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (Server s : contenders) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    s.step();
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                assertThat(t.join(Duration.ofSeconds(120)))
                        .as("contender finished")
                        .isTrue();
            }
            assertNeverTwoActive();
            List<Server> active = contenders.stream()
                    .filter(s -> s.keeper.status().state() == LeaseState.ACTIVE)
                    .toList();
            assertThat(active).as("winners of round " + round).hasSize(1);
            winner = active.getFirst();
            assertThat(winner.keeper.status().epoch()).isEqualTo(++epoch);
            for (Server s : contenders) {
                if (s != winner) {
                    assertThat(s.keeper.status())
                            .isEqualTo(new LeaseStatus(LeaseState.STANDBY, 0, 0, winner.name, epoch));
                }
            }
        }
    }

    @Test
    void aDatabaseWithoutTheLeaseTableIsAStoreFailureNotAnOutage() throws Exception {
        try (TestDatabase unmigrated = TestDatabase.postgres()) {
            LeaseSettings settings = LeaseSettings.defaults("a");
            try (LeaseKeeper keeper = new LeaseKeeper(
                    settings,
                    LeaseConnections.postgres(unmigrated.url(), unmigrated.user(), unmigrated.password(), settings))) {
                keeper.doWork(0);
                assertThat(keeper.status().state()).isEqualTo(LeaseState.STANDBY);
                assertThat(keeper.lastFailure())
                        .isNotInstanceOf(LeaseUnavailableException.class)
                        .isInstanceOf(LeaseStoreException.class)
                        .hasMessageContaining("server_lease");
            }
        }
    }

    @Test
    void anEmbeddedDatabaseIsRefused() {
        assertThatThrownBy(() -> LeaseConnections.postgres("jdbc:h2:mem:x", "sluice", "", LeaseSettings.defaults("a")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs PostgreSQL");
        assertThatThrownBy(() -> new LeaseSettings("a", 1_000, 1_000, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safety margin");
    }

    /**
     * Reads the database's lease first, then asks each server whether it acts now: whoever does must hold that lease.
     */
    private void assertNeverTwoActive() throws SQLException {
        Lease lease = databaseLease();
        List<String> acting = new ArrayList<>();
        for (Server s : servers) {
            long epoch = s.keeper.activeEpoch(s.clock.getAsLong());
            if (epoch != 0) {
                acting.add(s.name + "@" + epoch);
                assertThat(lease).as(s.name + " acts at epoch " + epoch).isEqualTo(new Lease(epoch, true));
            }
        }
        assertThat(acting).as("servers acting at once").hasSizeLessThanOrEqualTo(1);
    }

    private record Lease(long epoch, boolean valid) {}

    private static Lease databaseLease() throws SQLException {
        try (Statement s = admin.createStatement();
                ResultSet r = s.executeQuery(
                        "SELECT epoch, expires_at > now() FROM server_lease WHERE name = '" + LeaseTable.NAME + "'")) {
            return r.next() ? new Lease(r.getLong(1), r.getBoolean(2)) : new Lease(0, false);
        }
    }

    private Server server(String name, LeaseSettings settings, LongSupplier clock) {
        CuttableConnections link =
                new CuttableConnections(database.url(), database.user(), database.password(), settings, admin);
        Server s = new Server(name, new LeaseKeeper(settings, link), link, new CopyOnWriteArrayList<>(), clock);
        s.keeper.addListener(s.transitions::add);
        servers.add(s);
        return s;
    }

    private record Server(
            String name,
            LeaseKeeper keeper,
            CuttableConnections link,
            List<LeaseTransition> transitions,
            LongSupplier clock) {
        void step() {
            keeper.doWork(clock.getAsLong());
        }
    }
}
