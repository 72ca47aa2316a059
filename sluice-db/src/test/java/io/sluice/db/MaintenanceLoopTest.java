package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The maintenance loop turned by hand at given times: no thread, no pause between its turns. */
class MaintenanceLoopTest {
    static final long MINUTE = 60_000L;
    static final long T0 = 1_790_000_000_000L / 3_600_000L * 3_600_000L;

    @TempDir
    Path dir;

    @Test
    void aTurnLoadsTheRegistryTheStartMissedRollsUpAtTheTimeGivenAndSurvivesAFailingDatabase() throws Exception {
        try (TestDatabase test = TestDatabase.h2(dir)) {
            Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000);
            SampleRepository samples = new SampleRepository(database.engine());
            for (int s = 0; s < 120; s++) {
                SampleBatch batch = SampleBatch.of(2, Batches.batch(s + 1, 1, 1, T0 + s * 1000L));
                database.inTransaction(c -> samples.append(c, List.of(batch), T0));
            }
            KnownVolumes known = new KnownVolumes();
            MaintenanceLoop loop = new MaintenanceLoop(
                    database,
                    known,
                    new HistoryMaintenance(
                            database, new Retention(Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(3))));
            RollupRepository rollups = new RollupRepository();

            assertThat(loop.doWork(T0 + MINUTE))
                    .as("never reports work: its runner pauses")
                    .isZero();
            assertThat(known.loaded())
                    .as("the registry the start could not read")
                    .isTrue();
            Long notYet = database.inTransaction(c -> rollups.doneUntil(c, Resolution.MINUTE));
            assertThat(notYet).as("no minute is past its grace yet").isNull();

            loop.doWork(T0 + 2 * MINUTE + HistoryMaintenance.GRACE_MILLIS);
            assertThat((long) database.inTransaction(c -> rollups.doneUntil(c, Resolution.MINUTE)))
                    .isEqualTo(T0 + 2 * MINUTE);

            database.close();
            assertThat(loop.doWork(T0 + 3 * MINUTE + HistoryMaintenance.GRACE_MILLIS))
                    .as("a failed round is logged and waits for the next turn")
                    .isZero();
        }
    }
}
