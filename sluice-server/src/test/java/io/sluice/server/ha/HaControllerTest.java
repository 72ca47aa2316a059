package io.sluice.server.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.lease.LeaseState;
import io.sluice.db.lease.LeaseStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link HaController} on a hand-stepped clock, two servers over one lease row modelled as {@code LeaseTable} keeps it
 * (expiry by the database's clock, epoch + 1 per acquisition) and keepers that act as {@code LeaseKeeper} does (renew
 * every second, stop at the start of the last successful renewal plus the margin). After every step: at most one server
 * acts, and a server acts only at the epoch the row gives it.
 */
class HaControllerTest {
    private static final long MS = 1_000_000;
    private static final long DURATION = 5_000 * MS;
    private static final long MARGIN = 3_000 * MS;
    private static final long RETRY = 1_000 * MS;
    private static final long STEP = 100 * MS;

    private long now = 1_000_000 * MS;
    private final Row row = new Row();

    /** The lease row, judged by the manual clock standing in for the database's. */
    private static final class Row {
        String holder = "";
        long epoch;
        long expiresAt = Long.MIN_VALUE;
        Object token;
    }

    /** As LeaseKeeper: a step every 100 ms, a statement every second; unreachable: the statement fails. */
    private final class FakeKeeper implements LeaseView {
        final String name;
        boolean reachable = true;
        long nextAttempt = Long.MIN_VALUE;
        LeaseStatus status = new LeaseStatus(LeaseState.STANDBY, 0, 0, "", 0);

        FakeKeeper(String name) {
            this.name = name;
        }

        void step() {
            if (status.state() == LeaseState.ACTIVE && now - status.deadlineNanos() >= 0) {
                status = new LeaseStatus(LeaseState.LOST, status.epoch(), 0, status.holder(), status.holderEpoch());
            }
            if (now < nextAttempt) {
                return;
            }
            nextAttempt = now + RETRY;
            if (!reachable) {
                return;
            }
            if (status.state() == LeaseState.ACTIVE) {
                if (row.token == this && row.epoch == status.epoch() && row.expiresAt > now) {
                    row.expiresAt = now + DURATION;
                    status = new LeaseStatus(LeaseState.ACTIVE, status.epoch(), now + MARGIN, name, status.epoch());
                } else {
                    status = new LeaseStatus(LeaseState.LOST, status.epoch(), 0, row.holder, row.epoch);
                }
            } else if (row.expiresAt <= now || row.token == this) {
                row.epoch++;
                row.holder = name;
                row.token = this;
                row.expiresAt = now + DURATION;
                status = new LeaseStatus(LeaseState.ACTIVE, row.epoch, now + MARGIN, name, row.epoch);
            } else {
                status = new LeaseStatus(LeaseState.STANDBY, 0, 0, row.holder, row.epoch);
            }
        }

        @Override
        public LeaseStatus status() {
            return status;
        }

        @Override
        public long activeEpoch(long nowNanos) {
            return status.state() == LeaseState.ACTIVE && nowNanos - status.deadlineNanos() < 0 ? status.epoch() : 0;
        }
    }

    /** The roles' part as the supervisor would play it, recorded. */
    private static final class RecordingPart implements ServerPart {
        final List<String> calls = new ArrayList<>();
        boolean acting;
        long epoch;

        @Override
        public void standby(String activeAddress) {
            acting = false;
            epoch = 0;
            calls.add("standby " + (activeAddress == null ? "-" : activeAddress));
        }

        @Override
        public void active(long epoch) {
            acting = true;
            this.epoch = epoch;
            calls.add("active " + epoch);
        }
    }

    /** One server: its keeper, its controller and its roles; dead once killed (nothing of it steps again). */
    private final class Server {
        final FakeKeeper keeper;
        final RecordingPart part = new RecordingPart();
        final HaController controller;
        boolean dead;

        Server(String address) {
            keeper = new FakeKeeper(address);
            controller = new HaController(keeper, part, address, line -> {});
        }

        void step() throws Exception {
            if (!dead) {
                keeper.step();
                controller.doWork(now);
            }
        }

        boolean acting() {
            return !dead && part.acting;
        }
    }

    /** Steps both servers for {@code millis}, checking after every step that at most one acts, at the row's epoch. */
    private void run(long millis, Server... servers) throws Exception {
        for (long t = 0; t < millis * MS; t += STEP) {
            now += STEP;
            int acting = 0;
            for (Server s : servers) {
                s.step();
                if (s.acting()) {
                    acting++;
                    assertThat(s.part.epoch).isEqualTo(row.epoch);
                    assertThat(row.expiresAt).as("acting on an expired lease").isGreaterThan(now);
                    assertThat(s.controller.actingEpoch()).isEqualTo(s.part.epoch);
                }
            }
            assertThat(acting).as("servers acting at once").isLessThanOrEqualTo(1);
        }
    }

    @Test
    void theFirstServerTakesTheFreeLeaseAndRenewsItWhileTheOtherNamesIt() throws Exception {
        Server a = new Server("a:7070");
        run(100, a);
        Server b = new Server("b:7070");
        run(10_000, a, b);

        assertThat(a.part.calls).containsExactly("active 1");
        assertThat(b.part.calls).containsExactly("standby a:7070");
        assertThat(a.controller.status())
                .containsEntry("role", "active")
                .containsEntry("holder", "a:7070")
                .containsEntry("epoch", 1L);
        assertThat(b.controller.status())
                .containsEntry("role", "standby")
                .containsEntry("holder", "a:7070")
                .containsEntry("epoch", 1L);
    }

    @Test
    void aStandbyTakesOverOnceTheKilledActivesLeaseExpiresAtTheNextEpoch() throws Exception {
        Server a = new Server("a:7070");
        Server b = new Server("b:7070");
        run(3_000, a, b);
        a.dead = true;
        long killedAt = now;
        run(10_000, a, b);

        assertThat(b.part.calls).containsExactly("standby a:7070", "active 2");
        assertThat(b.controller.actingEpoch()).isEqualTo(2);
        // Not before the row expired: the last renewal plus the duration, at most a retry after it.
        assertThat(row.expiresAt - DURATION).isGreaterThan(killedAt + DURATION - RETRY - STEP);

        Server restarted = new Server("a:7070");
        run(3_000, restarted, b);
        assertThat(restarted.part.calls).containsExactly("standby b:7070");
    }

    @Test
    void anActiveCutOffFromTheDatabaseStopsAtItsDeadlineBeforeTheStandbyCanTakeOver() throws Exception {
        Server a = new Server("a:7070");
        Server b = new Server("b:7070");
        run(3_000, a, b);
        assertThat(a.acting()).isTrue();
        a.keeper.reachable = false;
        long lastRenewalStart = a.keeper.status.deadlineNanos() - MARGIN;
        long stoppedAt = -1;
        while (b.part.calls.size() < 2) {
            run(100, a, b);
            if (stoppedAt < 0 && !a.acting()) {
                stoppedAt = now;
            }
        }
        // Stopped at the deadline, not at the next statement (which cannot reach the database anyway).
        assertThat(stoppedAt).isEqualTo(lastRenewalStart + MARGIN);
        assertThat(a.part.calls).containsExactly("active 1", "standby -");
        assertThat(b.part.calls).containsExactly("standby a:7070", "active 2");

        a.keeper.reachable = true;
        run(2_000, a, b);
        assertThat(a.part.calls).containsExactly("active 1", "standby -", "standby b:7070");
        assertThat(a.controller.status())
                .containsEntry("role", "standby")
                .containsEntry("holder", "b:7070")
                .containsEntry("epoch", 2L);
    }

    @Test
    void aHolderThatLostItsLeaseAndTakesItBackActsAtTheNextEpoch() throws Exception {
        Server a = new Server("a:7070");
        run(2_000, a);
        a.keeper.reachable = false;
        run(4_000, a);
        assertThat(a.acting()).isFalse();
        a.keeper.reachable = true;
        run(7_000, a);

        assertThat(a.part.calls).containsExactly("active 1", "standby -", "active 2");
        assertThat(a.acting()).isTrue();
    }

    @Test
    void aTakeOverByAThirdServerMovesTheStandbyToTheNewHolder() throws Exception {
        Server a = new Server("a:7070");
        Server b = new Server("b:7070");
        Server c = new Server("c:7070");
        run(2_000, a, b);
        run(1_000, a, b, c);
        a.dead = true;
        b.dead = true;
        run(8_000, a, b, c);
        Server b2 = new Server("b:7070");
        run(100, a, b2, c);
        assertThat(c.part.calls).containsExactly("standby a:7070", "active 2");
        assertThat(b2.part.calls).containsExactly("standby c:7070");

        // The standby follows the holder it reads: a fourth server takes over from c.
        c.dead = true;
        Server d = new Server("d:7070");
        run(8_000, b2, c, d);
        Server winner = b2.acting() ? b2 : d;
        Server other = winner == b2 ? d : b2;
        assertThat(winner.part.calls).endsWith("active 3");
        assertThat(other.part.calls).endsWith("standby " + winner.keeper.name);
    }
}
