package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.Database;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.db.store.VolumeSummary;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresMigrationTest extends MigrationContract {
    @Override
    TestDatabase create(Path dir) throws Exception {
        return TestDatabase.postgres();
    }

    /** V7 swaps the B-tree on samples_1s (t) for a BRIN index; the 1 s rows stored before answer as before and roll up. */
    @Test
    void timeIndexOfSecondsBecomesBrinWithRowsKept() throws Exception {
        try (TestDatabase test = create(dir)) {
            List<VolumeSummary> before;
            try (Database v6 = Database.open(test.url(), test.user(), test.password(), 2, 2_000, "6")) {
                SampleRepository samples = new SampleRepository(v6.engine());
                for (int s = 0; s < 90; s++) {
                    SampleBatch batch = SampleBatch.of(2, Batches.batch(s + 1, 1, 3, T0 + s * 1000L));
                    v6.inTransaction(c -> samples.append(c, List.of(batch), T0));
                }
                assertThat(indexDefinition(v6)).contains("btree");
                before = v6.inTransaction(c -> samples.summary(c, null, T0, T0 + 90_000L, Resolution.SECOND));
            }
            try (Database latest = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
                assertThat(indexDefinition(latest)).contains("USING brin (t)");
                SampleRepository samples = new SampleRepository(latest.engine());
                List<VolumeSummary> after = latest.inTransaction(c -> samples.summary(c, null, T0, T0 + 90_000L, Resolution.SECOND));
                assertThat(after).hasSize(3);
                assertThat(after).usingRecursiveFieldByFieldElementComparator().containsExactlyInAnyOrderElementsOf(before);
                new HistoryMaintenance(latest, Retention.DEFAULT).doWork(T0 + 10 * 60_000L);
                List<VolumeSummary> minutes = latest.inTransaction(c -> samples.summary(c, null, T0, T0 + 60_000L, Resolution.MINUTE));
                List<VolumeSummary> seconds = latest.inTransaction(c -> samples.summary(c, null, T0, T0 + 60_000L, Resolution.SECOND));
                assertThat(minutes).hasSize(3);
                assertThat(minutes).extracting(VolumeSummary::ops)
                        .containsExactlyInAnyOrderElementsOf(seconds.stream().map(VolumeSummary::ops).toList());
            }
        }
    }

    private static String indexDefinition(Database database) throws Exception {
        return database.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT indexdef FROM pg_indexes WHERE indexname = 'samples_1s_t'");
                 ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return r.getString(1);
            }
        });
    }
}
