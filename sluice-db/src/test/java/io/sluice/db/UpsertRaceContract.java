package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.db.store.AccountRepository;
import io.sluice.db.store.AlertRepository;
import io.sluice.db.store.Database;
import io.sluice.db.store.RegistryRepository;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers racing on one key that does not exist yet: every round takes a fresh key and starts {@link #THREADS}
 * transactions, each on its own pooled connection, at the same moment, so they all look for the row before any of them
 * has committed it. None may fail, and the key must end up as exactly one row holding what the writes together say. A
 * subclass per engine runs the same tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UpsertRaceContract {
    static final int THREADS = 8;
    static final int ROUNDS = 50;
    static final long T0 = 1_790_000_000_000L;

    @TempDir
    static Path dir;

    TestDatabase testDatabase;
    Database database;
    ExecutorService writers;
    final RegistryRepository registry = new RegistryRepository();
    final AccountRepository accounts = new AccountRepository();
    final AlertRepository alerts = new AlertRepository();
    final RollupRepository rollups = new RollupRepository();

    abstract TestDatabase create(Path dir) throws Exception;

    @BeforeAll
    void open() throws Exception {
        testDatabase = create(dir);
        database = Database.open(testDatabase.url(), testDatabase.user(), testDatabase.password(), THREADS, 60_000);
        writers = Executors.newFixedThreadPool(THREADS);
        // Fill the pool now, so that every round's writers take idle connections instead of racing
        // its growth.
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            connections.add(database.dataSource().getConnection());
        }
        for (Connection c : connections) {
            c.close();
        }
    }

    @AfterAll
    void close() throws Exception {
        writers.shutdownNow();
        database.close();
        testDatabase.close();
    }

    @Test
    void gatewayUpsertsOfANewIdKeepEveryWritersOptionalFields() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            long gatewayId = 1_000 + round;
            String key = "key-" + round;
            String address = "10.0.0." + round + ":7000";
            // Each optional field comes from some writers only; whatever order they land in, none is lost.
            List<ObjectNode> answers = race((c, thread) -> registry.upsertGateway(
                    c,
                    gatewayId,
                    "APPROVED",
                    thread % 2 == 0 ? key : null,
                    thread == 0 ? T0 - 1 : null,
                    thread % 2 == 1 ? address : null,
                    T0));
            assertThat(answers)
                    .allSatisfy(g -> assertThat(g.get("gatewayId").asLong()).isEqualTo(gatewayId));
            assertThat(rows(
                            "SELECT state, key_hash, last_seen, address, updated_at FROM gateways WHERE gateway_id = ?",
                            gatewayId))
                    .containsExactly(List.of("APPROVED", key, String.valueOf(T0 - 1), address, String.valueOf(T0)));
        }
    }

    @Test
    void volumeUpsertsOfANewIdKeepEveryWritersOptionalFields() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int volumeId = 1_000 + round;
            String backend = "backend-" + round;
            List<ObjectNode> answers = race((c, thread) -> registry.upsertVolume(
                    c,
                    volumeId,
                    7,
                    thread % 2 == 0 ? backend : null,
                    thread % 2 == 1 ? 4096L : null,
                    thread == 0 ? 512L : null,
                    T0));
            assertThat(answers)
                    .allSatisfy(v -> assertThat(v.get("volumeId").asInt()).isEqualTo(volumeId));
            assertThat(rows(
                            "SELECT gateway_id, backend_id, allocated_bytes, used_bytes, last_seen FROM volumes WHERE volume_id = ?",
                            volumeId))
                    .containsExactly(List.of("7", backend, "4096", "512", String.valueOf(T0)));
        }
    }

    @Test
    void backendUpsertsOfANewIdKeepTheNewestObservationAndOneHistoryRowPerTime() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String backendId = "backend-" + round;
            // Two observation times, each written by half the writers: both the backend's row and each
            // history row are raced, and the older observation must not replace the newer one.
            List<ObjectNode> answers = race((c, thread) ->
                    registry.upsertBackend(c, backendId, 1_000 + thread % 2, 10 + thread % 2, T0 + thread % 2));
            assertThat(answers)
                    .allSatisfy(b -> assertThat(b.get("backendId").asText()).isEqualTo(backendId));
            assertThat(rows("SELECT capacity_bytes, used_bytes, at FROM backends WHERE backend_id = ?", backendId))
                    .containsExactly(List.of("1001", "11", String.valueOf(T0 + 1)));
            assertThat(rows(
                            "SELECT at, capacity_bytes, used_bytes FROM backend_capacity WHERE backend_id = ? ORDER BY at",
                            backendId))
                    .containsExactly(
                            List.of(String.valueOf(T0), "1000", "10"), List.of(String.valueOf(T0 + 1), "1001", "11"));
        }
    }

    @Test
    void settingPutsOfANewKeyLeaveOneOfTheValues() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String key = "setting-" + round;
            race((c, thread) -> {
                accounts.putSetting(c, key, "value-" + thread);
                return null;
            });
            List<List<String>> rows = rows("SELECT setting_value FROM settings WHERE setting_key = ?", key);
            assertThat(rows).hasSize(1);
            assertThat(rows.getFirst().getFirst()).matches("value-[0-7]");
        }
    }

    @Test
    void rollupProgressOfANewResolutionIsRecordedOnce() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            // rollup_progress has one key per resolution: forget it, so every round races its first write.
            database.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM rollup_progress")) {
                    return s.executeUpdate();
                }
            });
            long to = T0 + round * 60_000L;
            List<Integer> answers = race((c, thread) -> rollups.rollUp(c, Resolution.MINUTE, to - 60_000L, to));
            assertThat(answers).containsOnly(0);
            assertThat(rows("SELECT resolution, done_until FROM rollup_progress"))
                    .containsExactly(List.of(Resolution.MINUTE.label(), String.valueOf(to)));
        }
    }

    @Test
    void alertRaisesOfANewKeyOpenOneAlert() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String key = "latency:sla-" + round;
            long at = T0 + round;
            List<ObjectNode> answers = race((c, thread) -> alerts.upsert(c, key, "WARNING", "p99 high", "OPEN", at));
            List<List<String>> rows = rows(
                    "SELECT id, severity, message, state, opened_at, cleared_at FROM alerts WHERE alert_key = ?", key);
            assertThat(rows).hasSize(1);
            String id = rows.getFirst().getFirst();
            assertThat(rows.getFirst().subList(1, 6))
                    .containsExactly("WARNING", "p99 high", "OPEN", String.valueOf(at), null);
            assertThat(answers).allSatisfy(a -> assertThat(a.get("id").asText()).isEqualTo(id));
        }
    }

    @Test
    void userAndTokenCreatesOfANewNameSucceedOnce() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String login = "user-" + round;
            List<Boolean> created = race((c, thread) -> accounts.createUser(c, login, "VIEWER", "hash-" + thread, T0));
            assertThat(created).containsOnlyOnce(true);
            assertThat(rows("SELECT role FROM users WHERE login = ?", login)).containsExactly(List.of("VIEWER"));

            String name = "token-" + round;
            String hash = "token-hash-" + round + "-";
            created = race((c, thread) -> accounts.createToken(c, name, "VIEWER", hash + thread, T0));
            assertThat(created).containsOnlyOnce(true);
            assertThat(rows("SELECT role FROM tokens WHERE name = ?", name)).containsExactly(List.of("VIEWER"));
        }
    }

    interface Write<T> {
        T run(Connection c, int thread) throws SQLException;
    }

    /**
     * Runs {@code write} once per thread, each in its own transaction; all have their connection before any starts.
     * Returns the answers in thread order, or throws the first writer's failure with the others' attached.
     */
    <T> List<T> race(Write<T> write) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<T>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(writers.submit(() -> database.inTransaction(c -> {
                try {
                    // Bounded only so a writer that never got its connection cannot hang the build.
                    start.await(2, TimeUnit.MINUTES);
                } catch (Exception e) {
                    throw new IllegalStateException("writers did not start together", e);
                }
                return write.run(c, thread);
            })));
        }
        List<T> answers = new ArrayList<>();
        ExecutionException failed = null;
        for (Future<T> future : futures) {
            try {
                answers.add(future.get());
            } catch (ExecutionException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e.getCause());
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        return answers;
    }

    /** Each row's columns as strings (null stays null), for whole-row assertions. */
    List<List<String>> rows(String sql, Object... args) throws SQLException {
        return database.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    s.setObject(i + 1, args[i]);
                }
                List<List<String>> rows = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    int columns = r.getMetaData().getColumnCount();
                    while (r.next()) {
                        List<String> row = new ArrayList<>(columns);
                        for (int i = 1; i <= columns; i++) {
                            row.add(r.getString(i));
                        }
                        rows.add(row);
                    }
                }
                return rows;
            }
        });
    }
}
