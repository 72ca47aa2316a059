package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.Database;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollups and retention driven step by step through {@link HistoryMaintenance#doWork}, no clock of its own. */
class HistoryMaintenanceTest {
    static final long MINUTE = 60_000L;
    static final long T0 = 1_790_000_000_000L / 3_600_000L * 3_600_000L;

    @TempDir
    Path dir;

    @Test
    void aWindowIsRolledUpOnlyAfterItsGraceAndNeverDeletedBeforeItIs() throws Exception {
        try (TestDatabase test = TestDatabase.h2(dir);
                Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
            SampleRepository samples = new SampleRepository(database.engine());
            RollupRepository rollups = new RollupRepository();
            for (int s = 0; s < 180; s++) {
                SampleBatch batch = SampleBatch.of(2, Batches.batch(s + 1, 1, 1, T0 + s * 1000L));
                database.inTransaction(c -> samples.append(c, List.of(batch), T0));
            }
            // Retention shorter than the grace: nothing may go before it is rolled up.
            HistoryMaintenance history = new HistoryMaintenance(
                    database, new Retention(Duration.ofSeconds(10), Duration.ofDays(1), Duration.ofDays(2)));

            history.doWork(T0 + MINUTE + HistoryMaintenance.GRACE_MILLIS - 1);
            assertThat(count(database, samples, Resolution.MINUTE)).isZero();
            assertThat(count(database, samples, Resolution.SECOND)).isEqualTo(360L);

            history.doWork(T0 + 2 * MINUTE + HistoryMaintenance.GRACE_MILLIS);
            assertThat(count(database, samples, Resolution.MINUTE)).isEqualTo(4L);
            assertThat((long) database.inTransaction(c -> rollups.doneUntil(c, Resolution.MINUTE)))
                    .isEqualTo(T0 + 2 * MINUTE);
            // Retention (a minute after its first pass) drops the two rolled-up minutes, keeps the third.
            assertThat(count(database, samples, Resolution.SECOND)).isEqualTo(120L);

            history.doWork(
                    T0 + 3 * MINUTE + HistoryMaintenance.GRACE_MILLIS + HistoryMaintenance.RETENTION_EVERY_MILLIS);
            assertThat(count(database, samples, Resolution.MINUTE)).isEqualTo(6L);
            assertThat(count(database, samples, Resolution.SECOND))
                    .as("1 s rows go once rolled up and past retention")
                    .isZero();
            assertThat(count(database, samples, Resolution.HOUR))
                    .as("the hour is not over")
                    .isZero();

            history.doWork(T0 + 3_600_000L + HistoryMaintenance.GRACE_MILLIS);
            assertThat(count(database, samples, Resolution.HOUR)).isEqualTo(2L);
        }
    }

    private static long count(Database database, SampleRepository samples, Resolution resolution) throws Exception {
        return database.inTransaction(c -> samples.count(c, resolution));
    }
}
