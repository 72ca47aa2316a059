package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.db.copy.CopyEndpoint;
import io.sluice.db.copy.CopyReport;
import io.sluice.db.copy.DatabaseCopy;
import io.sluice.db.copy.TableCount;
import io.sluice.db.copy.TargetNotEmptyException;
import io.sluice.db.store.AccountRepository;
import io.sluice.db.store.AlertRepository;
import io.sluice.db.store.AuditRepository;
import io.sluice.db.store.ComplianceRepository;
import io.sluice.db.store.ComplianceResult;
import io.sluice.db.store.Database;
import io.sluice.db.store.DocRepository;
import io.sluice.db.store.RegistryRepository;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.db.store.VersionConflictException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded H2, with a little of everything, copied into a fresh PostgreSQL database. */
@Tag("system")
class DatabaseCopyTest {
    static final long T0 = 1_790_000_000_000L / 3_600_000L * 3_600_000L;
    static final long MINUTE = 60_000L;

    @TempDir
    Path dir;

    @Test
    void everyTableArrivesWithTheSameRowsAndIdentitiesContinue() throws Exception {
        try (TestDatabase h2 = TestDatabase.h2(dir);
                TestDatabase pg = TestDatabase.postgres()) {
            fill(h2);
            CopyReport report = copy(h2, pg, false);

            assertThat(report.countsEqual()).isTrue();
            assertThat(report.tables())
                    .extracting(TableCount::table)
                    .contains(
                            "docs",
                            "doc_versions",
                            "samples_1s",
                            "samples_1m",
                            "samples_1h",
                            "alerts",
                            "audit",
                            "users");
            for (String table :
                    List.of("doc_versions", "samples_1s", "samples_1m", "alerts", "audit", "users", "volumes")) {
                assertThat(sourceRows(report, table)).as(table).isPositive();
            }
            String[] compared = {
                "SELECT kind, name, version, spec, deleted, updated_by FROM doc_versions ORDER BY kind, name, version",
                "SELECT id, alert_key, state, acknowledged_by, acknowledged_at, message FROM alerts ORDER BY id",
                "SELECT id, actor, action, target, detail FROM audit ORDER BY id",
                "SELECT volume_id, direction, t, ops, bytes, latency_sum FROM samples_1m ORDER BY volume_id, direction, t",
                "SELECT login, role, password_hash, disabled FROM users ORDER BY login",
            };
            for (String query : compared) {
                assertThat(rows(pg, query)).as(query).isEqualTo(rows(h2, query)).isNotEmpty();
            }
            try (Database target = Database.open(pg.url(), pg.user(), pg.password(), 2, 2_000)) {
                long next = target.inTransaction(
                        c -> new AuditRepository().append(c, T0, "user:new", "put", "sla/x", null));
                assertThat(next)
                        .as("the identity continues after the copied ids")
                        .isGreaterThan(sourceRows(report, "audit"));
            }
        }
    }

    @Test
    void aTargetThatAlreadyHoldsDataIsRefusedUnlessReplaced() throws Exception {
        try (TestDatabase h2 = TestDatabase.h2(dir);
                TestDatabase pg = TestDatabase.postgres()) {
            fill(h2);
            copy(h2, pg, false);

            assertThatThrownBy(() -> copy(h2, pg, false))
                    .isInstanceOf(TargetNotEmptyException.class)
                    .satisfies(e ->
                            assertThat(((TargetNotEmptyException) e).tables()).contains("docs", "samples_1s"));

            CopyReport replaced = copy(h2, pg, true);
            assertThat(replaced.countsEqual()).isTrue();
        }
    }

    @Test
    void postgresCopiesBackIntoAFreshH2() throws Exception {
        try (TestDatabase h2 = TestDatabase.h2(dir);
                TestDatabase pg = TestDatabase.postgres()) {
            fill(h2);
            copy(h2, pg, false);
            TestDatabase back = TestDatabase.h2(dir.resolve("back"));

            CopyReport report = copy(pg, back, false);

            assertThat(report.countsEqual()).isTrue();
            String samples =
                    "SELECT volume_id, direction, t, ops, bytes, b0, b23 FROM samples_1s ORDER BY volume_id, direction, t";
            assertThat(rows(back, samples)).isEqualTo(rows(h2, samples)).isNotEmpty();
        }
    }

    private static CopyReport copy(TestDatabase from, TestDatabase to, boolean replace) throws Exception {
        return new DatabaseCopy(
                        new CopyEndpoint(from.url(), from.user(), from.password()),
                        new CopyEndpoint(to.url(), to.user(), to.password()),
                        replace,
                        line -> {})
                .run();
    }

    private static long sourceRows(CopyReport report, String table) {
        return report.tables().stream()
                .filter(t -> t.table().equals(table))
                .findFirst()
                .orElseThrow()
                .sourceRows();
    }

    /** SLAs with history, samples rolled up to minutes and hours, compliance, alerts, audit, accounts. */
    private static void fill(TestDatabase test) throws Exception {
        try (Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
            DocRepository docs = new DocRepository();
            SampleRepository samples = new SampleRepository(database.engine());
            RegistryRepository registry = new RegistryRepository();
            AlertRepository alerts = new AlertRepository();
            database.inTransaction(c -> {
                try {
                    docs.put(c, "sla", "gold", 0, "{\"name\":\"gold\",\"iops\":100}", false, T0, "user:alice");
                    docs.put(c, "sla", "gold", 1, "{\"name\":\"gold\",\"iops\":200}", false, T0 + 1, "user:bob");
                    docs.put(c, "policy", "tenant-a", 0, "{\"sla\":\"gold\"}", false, T0 + 2, "user:alice");
                } catch (VersionConflictException e) {
                    throw new IllegalStateException("a fresh database has no versions to conflict with", e);
                }
                registry.upsertGateway(c, 7L, "ACTIVE", "hash", T0, "10.0.0.7:9000", T0);
                registry.upsertVolume(c, 1, 7L, "backend-a", 1L << 30, 1L << 20, T0);
                registry.upsertBackend(c, "backend-a", 1L << 40, 1L << 30, T0);
                new ComplianceRepository()
                        .append(c, List.of(new ComplianceResult("gold", "volume", "1", T0, MINUTE, "iops", "MET")));
                long id = alerts.upsert(c, "latency:gold", "WARNING", "slow", "OPEN", T0)
                        .get("id")
                        .asLong();
                alerts.acknowledge(c, id, "user:bob", T0 + 5);
                alerts.upsert(c, "iops:silver", "CRITICAL", "throttled\nhard", "OPEN", T0 + 6);
                AuditRepository audit = new AuditRepository();
                audit.append(c, T0, "user:alice", "put", "sla/gold", "{\"version\":1}");
                audit.append(c, T0 + 1, "user:bob", "put", "sla/gold", null);
                AccountRepository accounts = new AccountRepository();
                accounts.createUser(c, "alice", "admin", "$argon2id$hash-a", T0);
                accounts.createUser(c, "bob", "operator", "$argon2id$hash-b", T0);
                accounts.createToken(c, "ci", "reader", "tokenhash", T0);
                accounts.putSetting(c, "site", "test");
                return null;
            });
            for (int s = 0; s < 150; s++) {
                SampleBatch batch = SampleBatch.of(2, Batches.batch(s + 1, 1, 1, T0 + s * 1000L));
                database.inTransaction(c -> samples.append(c, List.of(batch), T0));
            }
            HistoryMaintenance history = new HistoryMaintenance(
                    database, new Retention(Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(3)));
            history.doWork(T0 + 3_600_000L + HistoryMaintenance.GRACE_MILLIS);
        }
    }

    private static List<List<String>> rows(TestDatabase test, String query) throws Exception {
        try (Database database = Database.connect(test.url(), test.user(), test.password(), 2, 2_000, null)) {
            return database.inTransaction(c -> read(c, query));
        }
    }

    private static List<List<String>> read(Connection c, String query) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rows = s.executeQuery(query)) {
            int n = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    // Booleans print differently per engine ("FALSE" against "f"): compare them as values.
                    row.add(rows.getObject(i) instanceof Boolean b ? b.toString() : rows.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }
}
