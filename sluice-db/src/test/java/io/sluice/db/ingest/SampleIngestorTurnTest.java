package io.sluice.db.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.db.Batches;
import io.sluice.db.TestDatabase;
import io.sluice.db.store.Database;
import io.sluice.db.store.SampleBatch;
import io.sluice.protocol.CallStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingestor's turns driven by hand on the test's thread (its runner never started), against an H2 database: what a
 * turn stores and answers, and that closing answers everything offered before it.
 */
class SampleIngestorTurnTest {
    /** Two volumes, both directions. */
    private static final int SAMPLES_PER_BATCH = 4;

    @TempDir
    Path dir;

    private final ManualEpochClock clock = new ManualEpochClock(1_700_000_000_000L);
    private final List<String> answers = new ArrayList<>();
    private TestDatabase testDatabase;
    private Database database;
    private SampleJournal journal;
    private SampleJournal rejected;

    @BeforeEach
    void open() throws Exception {
        testDatabase = TestDatabase.h2(dir);
        database = Database.open(testDatabase.url(), testDatabase.user(), testDatabase.password(), 2, 2_000);
        journal = SampleJournal.open(dir.resolve("samples.journal"), 1 << 20);
        rejected = SampleJournal.open(dir.resolve("rejected.journal"), 1 << 20);
    }

    @AfterEach
    void close() throws Exception {
        rejected.close();
        journal.close();
        database.close();
        testDatabase.close();
    }

    @Test
    void aTurnStoresWhatWasOfferedInOneTransactionAndAnswersEachBatch() throws Exception {
        SampleIngestor ingestor = ingestor(100);
        assertThat(ingestor.offer(batch(1), 11)).isTrue();
        assertThat(ingestor.offer(batch(2), 12)).isTrue();
        assertThat(answers).as("nothing stored before a turn").isEmpty();
        assertThat(ingestor.status().bufferedSamples()).isEqualTo(2 * SAMPLES_PER_BATCH);

        assertThat(ingestor.doWork(clock.epochMillis())).isEqualTo(2);
        assertThat(answers).containsExactly("11 ok", "12 ok");
        assertThat(ingestor.status()).isEqualTo(new IngestionStatus(false, 0, 0, 2 * SAMPLES_PER_BATCH, null));
        assertThat(ingestor.doWork(clock.epochMillis()))
                .as("nothing left to do")
                .isZero();
        ingestor.close();
    }

    @Test
    void aTurnTakesATransactionsWorthAndLeavesTheRestForTheNext() throws Exception {
        SampleIngestor ingestor = ingestor(SAMPLES_PER_BATCH);
        ingestor.offer(batch(1), 11);
        ingestor.offer(batch(2), 12);

        assertThat(ingestor.doWork(clock.epochMillis())).isEqualTo(1);
        assertThat(answers).containsExactly("11 ok");
        assertThat(ingestor.doWork(clock.epochMillis())).isEqualTo(1);
        assertThat(answers).containsExactly("11 ok", "12 ok");
        ingestor.close();
    }

    @Test
    void closingStoresAndAnswersEveryBatchOfferedBeforeIt() throws Exception {
        SampleIngestor ingestor = ingestor(SAMPLES_PER_BATCH);
        for (long id = 1; id <= 3; id++) {
            assertThat(ingestor.offer(batch(id), 10 + id)).isTrue();
        }

        ingestor.close();

        assertThat(answers).containsExactly("11 ok", "12 ok", "13 ok");
        assertThat(ingestor.status().storedSamples()).isEqualTo(3 * SAMPLES_PER_BATCH);
        assertThat(ingestor.status().bufferedSamples()).isZero();
    }

    private SampleIngestor ingestor(int samplesPerTransaction) {
        return new SampleIngestor(
                database,
                journal,
                rejected,
                (handle, status, detail) -> answers.add(handle + " " + CallStatus.name(status)),
                clock,
                10_000,
                samplesPerTransaction,
                1_000,
                2_000,
                null);
    }

    private SampleBatch batch(long batchId) {
        return SampleBatch.of(1, Batches.batch(batchId, 1, SAMPLES_PER_BATCH / 2, clock.epochMillis() / 1000 * 1000));
    }
}
