package io.sluice.bench.db;

import io.sluice.db.HistoryLayout;
import io.sluice.db.HistoryMaintenance;
import io.sluice.db.Retention;
import io.sluice.db.ingest.MinuteWriter;
import io.sluice.db.ingest.OpenMinutes;
import io.sluice.db.ingest.SampleIngestor;
import io.sluice.db.ingest.SampleJournal;
import io.sluice.db.store.Database;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sustained ingestion with the rest of the manager's database work going on: {@link #VOLUMES} volumes at 1 s (two
 * directions: 20,000 samples per second of data) appended through the batched path, paced to real time, while one
 * thread runs {@link HistoryMaintenance} (rollups and retention, on a clock that follows the data, with seconds kept 2
 * minutes so retention deletes as fast as samples arrive) and another asks for the dashboard's summary (all volumes,
 * last hour at 1 min) every 5 s.
 *
 * <p>A rate above {@link #SAMPLES_PER_SECOND} runs the data's clock that many times faster than real time (rollups and
 * retention then have as many more minutes to do per real second): the load of rate / 2 volumes at 1 s, with the rows
 * of {@link #VOLUMES} volumes.
 *
 * <p>With the minute-rows layout the samples go through the manager's own ingestion ({@link SampleIngestor}, its turns
 * taken by the ingesting thread) into open minutes and their journal, and the maintenance writes each minute as rows
 * per volume with its rollup.
 *
 * <p>The manager rolls a minute up once it ended 2 minutes ago (late samples); the maintenance clock runs
 * {@link #MAINTENANCE_AHEAD_MILLIS} ahead of the data so that rollups and retention start as soon as a minute of data
 * is complete, not after the first 2 minutes of a short run.
 */
final class SustainBench {
    static final int VOLUMES = 10_000;
    static final int SAMPLES_PER_SECOND = 2 * VOLUMES;
    static final long MAINTENANCE_AHEAD_MILLIS = 120_000;
    private static final Retention RETENTION =
            new Retention(Duration.ofMinutes(2), Duration.ofMinutes(30), Duration.ofDays(1));

    record Result(
            double samplesPerSecond,
            double targetPerSecond,
            long rollupLagSeconds,
            double maintenanceP99Millis,
            double summaryP99Millis,
            long summaries) {}

    private final Database database;
    private final long seconds;
    private final int rate;
    private final HistoryLayout layout;
    private final Path journalDir;
    private OpenMinutes minutes;
    private final long t0 = System.currentTimeMillis() / 60_000 * 60_000;
    private final AtomicLong written = new AtomicLong();
    private volatile boolean running = true;

    SustainBench(Database database, long seconds, int rate, HistoryLayout layout, Path journalDir) {
        this.database = database;
        this.seconds = seconds;
        this.rate = rate;
        this.layout = layout;
        this.journalDir = journalDir;
    }

    /** Where the data has got to: the end of the last whole second written. */
    private long dataNow() {
        return t0 + written.get() / SAMPLES_PER_SECOND * 1_000L;
    }

    Result run() throws Exception {
        if (layout == HistoryLayout.MINUTE_ROWS) {
            minutes = OpenMinutes.open(journalDir.resolve("minutes"));
        }
        try {
            return measure();
        } finally {
            if (minutes != null) {
                minutes.close();
            }
        }
    }

    private Result measure() throws Exception {
        Percentiles maintenance = new Percentiles();
        Percentiles summary = new Percentiles();
        AtomicLong summaries = new AtomicLong();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Thread maintainer = Thread.ofPlatform().name("bench-maintenance").start(() -> {
            HistoryMaintenance history = new HistoryMaintenance(
                    database, RETENTION, minutes == null ? null : new MinuteWriter(database, minutes));
            try {
                while (running) {
                    long start = System.nanoTime();
                    history.doWork(dataNow() + MAINTENANCE_AHEAD_MILLIS);
                    maintenance.add(System.nanoTime() - start);
                    sleep(1_000 - (System.nanoTime() - start) / 1_000_000);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        Thread dashboard = Thread.ofPlatform().name("bench-dashboard").start(() -> {
            SampleRepository samples = new SampleRepository(database.engine());
            try {
                while (running) {
                    long now = dataNow();
                    long start = System.nanoTime();
                    database.inTransaction(c -> samples.summary(c, null, now - 3_600_000L, now, Resolution.MINUTE));
                    summary.add(System.nanoTime() - start);
                    summaries.incrementAndGet();
                    sleep(5_000 - (System.nanoTime() - start) / 1_000_000);
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        });
        long start = System.nanoTime();
        try {
            ingest(start);
        } finally {
            running = false;
            maintainer.join();
            dashboard.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("sustained run failed", failures.get(0));
        }
        Long minutesDone = database.inTransaction(c -> new RollupRepository().doneUntil(c, Resolution.MINUTE));
        long lag = (dataNow() - (minutesDone == null ? t0 : minutesDone)) / 1_000;
        return new Result(
                written.get() / elapsed, rate, lag, maintenance.millis(99), summary.millis(99), summaries.get());
    }

    /** Appends second after second of data, 20,000 samples a transaction, never ahead of {@link #rate}. */
    private void ingest(long start) throws Exception {
        if (minutes != null) {
            ingestIntoMinutes(start);
            return;
        }
        SampleRepository samples = new SampleRepository(database.engine());
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        long batchId = 1;
        while (System.nanoTime() < deadline) {
            long ahead = written.get() * 1_000_000_000L / rate - (System.nanoTime() - start);
            if (ahead > 0) {
                sleep(ahead / 1_000_000);
                continue;
            }
            List<SampleBatch> group = new ArrayList<>();
            long first = written.get();
            for (int n = 0; n < SAMPLES_PER_SECOND; n += EngineBench.BATCH_SAMPLES) {
                int count = Math.min(EngineBench.BATCH_SAMPLES, SAMPLES_PER_SECOND - n);
                group.add(new SampleBatch(1, batchId++, BenchData.batch(0, first + n, count, 1, VOLUMES, t0)));
            }
            database.inTransaction(c -> samples.append(c, group, dataNow()));
            written.addAndGet(SAMPLES_PER_SECOND);
        }
    }

    /** As {@link #ingest}, through the manager's ingestion into open minutes: a turn per second of data. */
    private void ingestIntoMinutes(long start) throws Exception {
        List<String> refused = new ArrayList<>();
        try (SampleJournal journal = SampleJournal.open(journalDir.resolve("samples.journal"), 1L << 30);
                SampleJournal rejected = SampleJournal.open(journalDir.resolve("rejected.journal"), 1L << 30)) {
            SampleIngestor ingestor = new SampleIngestor(
                    database,
                    journal,
                    rejected,
                    (handle, status, detail) -> {
                        if (detail != null) {
                            refused.add(detail);
                        }
                    },
                    this::dataNow,
                    4L * SAMPLES_PER_SECOND,
                    SAMPLES_PER_SECOND,
                    1_000,
                    5_000,
                    minutes);
            long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
            long batchId = 1;
            while (System.nanoTime() < deadline) {
                long ahead = written.get() * 1_000_000_000L / rate - (System.nanoTime() - start);
                if (ahead > 0) {
                    sleep(ahead / 1_000_000);
                    continue;
                }
                long first = written.get();
                for (int n = 0; n < SAMPLES_PER_SECOND; n += EngineBench.BATCH_SAMPLES) {
                    int count = Math.min(EngineBench.BATCH_SAMPLES, SAMPLES_PER_SECOND - n);
                    ingestor.offer(SampleBatch.of(1, BenchData.batch(batchId++, first + n, count, 1, VOLUMES, t0)), 0);
                }
                ingestor.doWork(dataNow());
                if (!refused.isEmpty()) {
                    throw new IllegalStateException("ingestion refused a batch: " + refused.getFirst());
                }
                written.addAndGet(SAMPLES_PER_SECOND);
            }
            ingestor.close();
        }
    }

    private static void sleep(long millis) {
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
