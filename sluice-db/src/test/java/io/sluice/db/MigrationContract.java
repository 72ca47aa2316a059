package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.json.DbOps;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.LatencyBuckets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Migrations from an empty database and from earlier schemas (V1 and V2, with data) to the latest. */
abstract class MigrationContract {
    static final long T0 = 1_790_000_000_000L / 3_600_000L * 3_600_000L;

    @TempDir
    Path dir;

    abstract TestDatabase create(Path dir) throws Exception;

    @Test
    void fromEmptyToLatest() throws Exception {
        try (TestDatabase test = create(dir);
                Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
            assertThat(versions(database))
                    .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
        }
    }

    @Test
    void fromTheFirstSchemaWithDataToLatest() throws Exception {
        try (TestDatabase test = create(dir)) {
            try (Database v1 = Database.open(test.url(), test.user(), test.password(), 2, 2_000, "1")) {
                assertThat(versions(v1)).containsExactly("1");
                SampleRepository samples = new SampleRepository(v1.engine());
                for (int s = 0; s < 60; s++) {
                    SampleBatch batch = SampleBatch.of(2, Batches.batch(s + 1, 1, 1, T0 + s * 1000L));
                    v1.inTransaction(c -> samples.append(c, List.of(batch), T0));
                }
                v1.inTransaction(c -> {
                    try (PreparedStatement s =
                            c.prepareStatement("INSERT INTO alerts (alert_key, severity, message, state, opened_at)"
                                    + " VALUES ('latency:gold', 'WARNING', 'slow', 'OPEN', " + T0 + ")")) {
                        s.executeUpdate();
                    }
                    try (PreparedStatement s =
                            c.prepareStatement("INSERT INTO docs (kind, name, version, spec, deleted, updated_at,"
                                    + " updated_by) VALUES ('sla', 'gold', 1, '{\"name\":\"gold\"}', FALSE, " + T0
                                    + ", 'user:old')")) {
                        s.executeUpdate();
                    }
                    return null;
                });
            }
            ManualEpochClock clock = new ManualEpochClock(T0 + 3_600_000L);
            try (Database latest = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
                assertThat(versions(latest))
                        .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
                JsonCalls calls = new JsonCalls(
                        new DbOps(latest, clock, () -> new IngestionStatus(false, 0, 0, 0, null), new KnownVolumes()),
                        256 * 1024);
                ObjectMapper mapper = new ObjectMapper();
                JsonCalls.Answer ack = calls.call(
                        "{\"op\":\"alert.ack\",\"actor\":\"user:ann\",\"id\":1}".getBytes(StandardCharsets.UTF_8));
                assertThat(ack.status()).isEqualTo(CallStatus.OK);
                assertThat(mapper.readTree(ack.json()).get("acknowledgedBy").asText())
                        .isEqualTo("user:ann");
                JsonNode sla = mapper.readTree(calls.call(
                                ("{\"op\":\"sla.put\",\"actor\":\"user:ann\",\"name\":\"gold\",\"expectedVersion\":1,"
                                                + "\"spec\":{\"name\":\"gold\",\"iopsLimit\":1}}")
                                        .getBytes(StandardCharsets.UTF_8))
                        .json());
                assertThat(sla.get("version").asInt()).isEqualTo(2);

                // Samples stored under V1 roll up under V2.
                new HistoryMaintenance(latest, Retention.DEFAULT).doWork(clock.epochMillis());
                JsonNode minutes =
                        mapper.readTree(calls.call(("{\"op\":\"samples.range\",\"actor\":\"a\",\"volumeId\":1,\"from\":"
                                                + T0 + ",\"to\":" + (T0 + 3_600_000L) + ",\"resolution\":\"1m\"}")
                                        .getBytes(StandardCharsets.UTF_8))
                                .json());
                assertThat(minutes.get("points")).hasSize(1);
                assertThat(minutes.get("points").get(0).get("ops").asLong()).isEqualTo(60L * 2 * 101);
            }
        }
    }

    @Test
    void fromTheSecondSchemaTheHourRowsCountTheirMinutes() throws Exception {
        try (TestDatabase test = create(dir)) {
            try (Database v2 = Database.open(test.url(), test.user(), test.password(), 2, 2_000, "2")) {
                assertThat(versions(v2)).containsExactly("1", "2");
                v2.inTransaction(c -> {
                    // Three minutes of the hour T0 still kept; the hour before lost its minutes to retention.
                    for (int m = 0; m < 3; m++) {
                        insertV2Row(c, "samples_1m", T0 + m * 60_000L, 100);
                    }
                    insertV2Row(c, "samples_1h", T0, 300);
                    insertV2Row(c, "samples_1h", T0 - 3_600_000L, 700);
                    try (PreparedStatement s =
                            c.prepareStatement("INSERT INTO rollup_progress (resolution, done_until) VALUES ('1h', "
                                    + (T0 + 3_600_000L) + ")")) {
                        s.executeUpdate();
                    }
                    return null;
                });
            }
            try (Database latest = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
                assertThat(versions(latest))
                        .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
                List<Long> minutes = latest.inTransaction(c -> {
                    List<Long> counts = new ArrayList<>();
                    try (PreparedStatement s = c.prepareStatement("SELECT minutes FROM samples_1h ORDER BY t");
                            ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            counts.add(r.getLong(1));
                        }
                    }
                    return counts;
                });
                assertThat(minutes).containsExactly(0L, 3L);
                JsonCalls calls = new JsonCalls(
                        new DbOps(
                                latest,
                                new ManualEpochClock(T0 + 2 * 3_600_000L),
                                () -> new IngestionStatus(false, 0, 0, 0, null),
                                new KnownVolumes()),
                        256 * 1024);
                JsonNode summary = new ObjectMapper()
                        .readTree(calls.call(("{\"op\":\"samples.summary\",\"actor\":\"a\",\"from\":" + T0 + ",\"to\":"
                                                + (T0 + 3_600_000L) + ",\"resolution\":\"1m\"}")
                                        .getBytes(StandardCharsets.UTF_8))
                                .json());
                assertThat(summary.get("items").get(0).get("ops").asLong()).isEqualTo(300);
                assertThat(summary.get("items").get(0).get("points").asLong()).isEqualTo(3);
            }
        }
    }

    /** A rollup row of volume 1, reads, as V2 wrote them (no minute count). */
    private static void insertV2Row(Connection c, String table, long t, long ops) throws SQLException {
        StringBuilder buckets = new StringBuilder();
        StringBuilder values = new StringBuilder();
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            buckets.append(", b").append(b);
            values.append(b == 8 ? ", " + ops : ", 0");
        }
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO " + table + " (volume_id, direction, t, samples, ops, bytes,"
                        + " throttled_ops, latency_sum, min_ops, max_ops, iops_limit" + buckets + ") VALUES (1, 0, " + t
                        + ", 60, " + ops
                        + ", " + ops * 4096 + ", 0, " + ops * 300 + ", 1, 2, 5000" + values + ")")) {
            s.executeUpdate();
        }
    }

    private static List<String> versions(Database database) throws Exception {
        return database.inTransaction((Connection c) -> {
            List<String> versions = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                            "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" = TRUE AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"");
                    ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    versions.add(r.getString(1));
                }
            }
            return versions;
        });
    }
}
