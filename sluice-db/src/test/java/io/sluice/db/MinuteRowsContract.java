package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.ingest.MinuteWriter;
import io.sluice.db.ingest.OpenMinutes;
import io.sluice.db.ingest.SampleIngestor;
import io.sluice.db.ingest.SampleJournal;
import io.sluice.db.json.DbOps;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.protocol.CallStatus;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The minute-rows layout against the rows layout: the same batches go to a database of each, and every 1 s range and
 * summary (and the minute rollup) must answer the same, with the samples in memory, in minute rows, across the
 * boundary, after a restart that replays the journal, with a torn or damaged journal, late samples, and ingestion
 * racing the minute writer.
 */
abstract class MinuteRowsContract {
    static final long MINUTE = 60_000L;
    static final long T0 = 1_790_000_000_000L / 3_600_000L * 3_600_000L;
    static final int VOLUMES = 3;
    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private final ManualEpochClock clock = new ManualEpochClock(T0);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private Reference reference;
    private Subject subject;
    private long nextBatchId = 1;

    abstract TestDatabase create(Path dir) throws Exception;

    @AfterEach
    void closeAll() throws Exception {
        if (subject != null) {
            subject.close();
        }
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    @Test
    void readsAgreeInMemoryInMinuteRowsAndAcrossTheBoundary() throws Exception {
        open();
        sendSeconds(0, 300);
        assertSameReads("all in memory");

        writeMinutesBefore(T0 + 3 * MINUTE);
        assertThat(subject.minuteRows())
                .as("minutes 0..2 written, one row per volume")
                .isEqualTo(3 * VOLUMES);
        assertSameReads("minutes 0..2 in rows, 3..4 in memory");

        writeMinutesBefore(T0 + 5 * MINUTE);
        assertThat(subject.minutes.heldSamples()).isZero();
        assertSameReads("all in rows");
        assertThat(subject.count("samples_1s")).as("no 1 s rows in this layout").isZero();
    }

    @Test
    void restartReplaysTheJournalAndARedeliveredBatchIsNotStoredTwice() throws Exception {
        open();
        List<SampleBatch> sent = sendSeconds(0, 150);
        writeMinutesBefore(T0 + MINUTE);
        subject.close();
        subject = new Subject(subject.test, subject.database);
        assertSameReads("after a restart, minute 0 in rows, 1..2 replayed into memory");

        for (SampleBatch batch : sent) {
            subject.offer(batch);
        }
        assertSameReads("every batch offered again after the restart");
        writeMinutesBefore(T0 + 3 * MINUTE);
        for (SampleBatch batch : sent) {
            subject.offer(batch);
        }
        assertSameReads("every batch offered again once written");
        assertThat(subject.count("sample_batches")).isEqualTo(sent.size());
    }

    @Test
    void aBatchOfAWrittenMinuteOfferedWhileTheDatabaseIsDownIsRefusedNotHeld() throws Exception {
        open();
        List<SampleBatch> sent = sendSeconds(0, 90);
        writeMinutesBefore(T0 + MINUTE);
        long held = subject.minutes.heldSamples();
        // Every look-up fails from here: whether minute 0's first batch is stored cannot be known.
        subject.database.close();

        subject.offerExpecting(sent.getFirst(), "unavailable");

        assertThat(subject.minutes.heldSamples())
                .as("a batch offered again is not held on memory's word")
                .isEqualTo(held);
    }

    @Test
    void aTornJournalTailIsCut() throws Exception {
        open();
        sendSeconds(0, 30);
        subject.close();
        Path segment = segments().getFirst();
        long intact = Files.size(segment);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            // A record whose header says more than the file holds: the write was cut short.
            channel.write(ByteBuffer.allocate(12).putInt(0, 4_000).putInt(4, 1234));
        }

        subject = new Subject(subject.test, subject.database);

        assertThat(subject.minutes.quarantined()).isEmpty();
        assertThat(Files.size(segment)).isEqualTo(intact);
        assertSameReads("after the torn tail was cut");
    }

    @Test
    void aJournalDamagedInTheMiddleIsQuarantinedAndWhatPrecedesTheDamageReplayed() throws Exception {
        open();
        sendSeconds(0, 2);
        subject.close();
        Path segment = segments().getFirst();
        byte[] bytes = Files.readAllBytes(segment);
        // The first of the two records: its ops field (within the first sample) no longer matches its CRC.
        bytes[12 + 16 + 33] ^= 0x55;
        Files.write(segment, bytes);

        subject = new Subject(subject.test, subject.database);

        assertThat(subject.minutes.quarantined())
                .containsExactly(segment.resolveSibling(segment.getFileName() + ".corrupt"));
        assertThat(Files.readAllBytes(subject.minutes.quarantined().getFirst())).isEqualTo(bytes);
        assertThat(subject.minutes.heldSamples())
                .as("the records before the damage: none")
                .isZero();
        assertThat(subject.summary(T0, T0 + MINUTE).get("items")).isEmpty();
    }

    @Test
    void aLateSampleIsKeptAtOneSecondAsInTheRowsLayout() throws Exception {
        open();
        sendSeconds(0, 90);
        writeMinutesBefore(T0 + MINUTE);
        // Second 30 again under new batch ids: minute 0 is written, so these are late.
        send(T0 + 30_000);
        send(T0 + 59_000);
        assertSameReads("a late sample in memory");
        writeMinutesBefore(T0 + 2 * MINUTE);
        assertThat(subject.minutes.heldSamples()).isZero();
        assertSameReads("a late sample in a later part's rows");

        subject.close();
        subject = new Subject(subject.test, subject.database);
        writeMinutesBefore(T0 + 2 * MINUTE);
        assertSameReads("after a restart");
    }

    @Test
    void switchingOnAnExistingDatabaseKeepsItsHistoryReadable() throws Exception {
        open();
        // 90 s stored by the rows layout (minute 1 half in samples_1s rows, half in memory below), then switched.
        SampleRepository rows = new SampleRepository(subject.database.engine());
        for (int s = 0; s < 90; s++) {
            SampleBatch batch = SampleBatch.of(3, Batches.batch(nextBatchId++, 1, VOLUMES, T0 + s * 1000L));
            reference.append(batch);
            subject.database.inTransaction(c -> rows.append(c, List.of(batch), clock.epochMillis()));
        }
        sendSeconds(90, 200);
        assertSameReads("rows before the switch, memory after it");
        writeMinutesBefore(T0 + 4 * MINUTE);
        assertThat(subject.minuteRows()).as("minutes 1..3 from memory").isEqualTo(3 * VOLUMES);
        assertSameReads("rows before the switch, minute rows after it, minute 1 in both");
    }

    @Test
    void retentionDeletesWholeMinuteRows() throws Exception {
        open();
        sendSeconds(0, 180);
        writeMinutesBefore(T0 + 3 * MINUTE);
        assertThat(subject.minuteRows()).isEqualTo(3 * VOLUMES);

        // 1 s history is kept for 2 minutes 30 s: minute 0 and minute 1 are past it, minute 2 not entirely.
        long now = T0 + 4 * MINUTE + 30_000;
        HistoryMaintenance short1s = new HistoryMaintenance(
                subject.database,
                new Retention(Duration.ofSeconds(150), Duration.ofDays(30), Duration.ofDays(400)),
                new MinuteWriter(subject.database, subject.minutes));
        short1s.doWork(now);

        assertThat(subject.minuteRows()).isEqualTo(VOLUMES);
        assertThat(subject.summary(T0, T0 + 3 * MINUTE)
                        .get("items")
                        .get(0)
                        .get("points")
                        .asLong())
                .as("minute 2's samples of volume 1, both directions")
                .isEqualTo(2 * 60);
    }

    @Test
    void ingestionRacingTheMinuteWriterStoresEverySampleOnce() throws Exception {
        open();
        int seconds = 400;
        AtomicLong sentUpTo = new AtomicLong(T0);
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                while (sentUpTo.get() < T0 + seconds * 1000L) {
                    subject.history.doWork(sentUpTo.get() + HistoryMaintenance.GRACE_MILLIS);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int s = 0; s < seconds; s++) {
            long t = T0 + s * 1000L;
            send(t);
            if (s % 7 == 0 && s > 90) {
                // Now and then a second well behind: late for a minute the writer may be writing.
                send(t - 75_000);
            }
            sentUpTo.set(t + 1000);
        }
        writer.join();
        writeMinutesBefore(T0 + 10 * MINUTE);
        assertThat(subject.minutes.heldSamples()).isZero();
        // At 1 s only: the reference rolled its minutes up after every sample was in, this layout as they went.
        assertSameSecondReads("after racing");
    }

    private void open() throws Exception {
        TestDatabase referenceDb = create(dir.resolve("reference"));
        closing.add(referenceDb);
        Database rows = Database.open(referenceDb.url(), referenceDb.user(), referenceDb.password(), 2, 2_000);
        closing.add(rows);
        reference = new Reference(rows);
        TestDatabase subjectDb = create(dir.resolve("subject"));
        closing.add(subjectDb);
        Database minuteRows = Database.open(subjectDb.url(), subjectDb.user(), subjectDb.password(), 4, 2_000);
        closing.add(minuteRows);
        subject = new Subject(subjectDb, minuteRows);
    }

    /** One batch per second in [from, to) seconds after T0, to both databases. */
    private List<SampleBatch> sendSeconds(int from, int to) throws Exception {
        List<SampleBatch> sent = new ArrayList<>();
        for (int s = from; s < to; s++) {
            sent.add(send(T0 + s * 1000L));
        }
        return sent;
    }

    private SampleBatch send(long t) throws Exception {
        SampleBatch batch = SampleBatch.of(3, Batches.batch(nextBatchId++, 1, VOLUMES, t));
        reference.append(batch);
        subject.offer(batch);
        return batch;
    }

    /** Both layouts' minute rollups run to {@code end} (its grace passed). */
    private void writeMinutesBefore(long end) throws Exception {
        long now = end + HistoryMaintenance.GRACE_MILLIS;
        clock.set(Math.max(clock.epochMillis(), now));
        reference.history.doWork(now);
        subject.history.doWork(now);
        subject.ingestor.doWork(now);
    }

    private void assertSameReads(String when) throws Exception {
        assertSameSecondReads(when);
        assertThat(subject.call("{'op':'samples.summary','actor':'system:web','from':" + T0 + ",'to':"
                        + (T0 + 20 * MINUTE) + ",'resolution':'1m'}"))
                .as("1 min summary " + when)
                .isEqualTo(reference.call("{'op':'samples.summary','actor':'system:web','from':" + T0 + ",'to':"
                        + (T0 + 20 * MINUTE) + ",'resolution':'1m'}"));
    }

    private void assertSameSecondReads(String when) throws Exception {
        long[][] ranges = {
            {T0, T0 + 10 * MINUTE},
            {T0 + 25_000, T0 + 95_500},
            {T0 + 59_000, T0 + 61_000},
            {T0 + 2 * MINUTE + 1, T0 + 4 * MINUTE + 17_000}
        };
        for (long[] range : ranges) {
            String what = when + ", [T0 + " + (range[0] - T0) + " ms, T0 + " + (range[1] - T0) + " ms)";
            assertThat(subject.summary(range[0], range[1]))
                    .as("1 s summary " + what)
                    .isEqualTo(reference.summary(range[0], range[1]));
            for (int v = 1; v <= VOLUMES; v++) {
                for (String direction : new String[] {"", ",'direction':'WRITE'"}) {
                    assertThat(subject.range(v, range[0], range[1], direction))
                            .as("1 s range of volume " + v + direction + " " + what)
                            .isEqualTo(reference.range(v, range[0], range[1], direction));
                }
            }
        }
    }

    private List<Path> segments() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("minutes"))) {
            return files.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
        }
    }

    /** JSON calls against one database; the reference's without memory. */
    private abstract class Calls {
        JsonCalls calls;

        JsonNode call(String request) throws Exception {
            JsonCalls.Answer answer = calls.call(request.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
            assertThat(answer.status())
                    .as(new String(answer.json(), StandardCharsets.UTF_8))
                    .isEqualTo(CallStatus.OK);
            return MAPPER.readTree(answer.json());
        }

        JsonNode summary(long from, long to) throws Exception {
            return call("{'op':'samples.summary','actor':'system:web','from':" + from + ",'to':" + to
                    + ",'resolution':'1s'}");
        }

        JsonNode range(int volumeId, long from, long to, String more) throws Exception {
            return call("{'op':'samples.range','actor':'system:web','volumeId':" + volumeId + ",'from':" + from
                    + ",'to':" + to + ",'resolution':'1s','limit':10000" + more + "}");
        }

        DbOps ops(Database database, OpenMinutes minutes) {
            return new DbOps(
                    database, clock, () -> new IngestionStatus(false, 0, 0, 0, null), new KnownVolumes(), minutes);
        }
    }

    /** The rows layout, stored directly. */
    private final class Reference extends Calls {
        final Database database;
        final SampleRepository samples;
        final HistoryMaintenance history;

        Reference(Database database) {
            this.database = database;
            this.samples = new SampleRepository(database.engine());
            this.history = new HistoryMaintenance(database, Retention.DEFAULT);
            this.calls = new JsonCalls(ops(database, null), 4 << 20);
        }

        void append(SampleBatch batch) throws Exception {
            database.inTransaction(c -> samples.append(c, List.of(batch), clock.epochMillis()));
        }
    }

    /** The minute-rows layout: its ingestor's turns and the minute writer driven by hand. */
    private final class Subject extends Calls implements AutoCloseable {
        final TestDatabase test;
        final Database database;
        final OpenMinutes minutes;
        final SampleJournal journal;
        final SampleJournal rejected;
        final SampleIngestor ingestor;
        final HistoryMaintenance history;
        final List<String> answers = new ArrayList<>();

        Subject(TestDatabase test, Database database) throws Exception {
            this.test = test;
            this.database = database;
            this.minutes = OpenMinutes.open(dir.resolve("minutes"));
            this.journal = SampleJournal.open(dir.resolve("samples.journal"), 1 << 20);
            this.rejected = SampleJournal.open(dir.resolve("rejected.journal"), 1 << 20);
            this.ingestor = new SampleIngestor(
                    database,
                    journal,
                    rejected,
                    (handle, status, detail) -> answers.add(CallStatus.name(status)),
                    clock,
                    100_000,
                    20_000,
                    1_000,
                    2_000,
                    minutes);
            this.history = new HistoryMaintenance(database, Retention.DEFAULT, new MinuteWriter(database, minutes));
            this.calls = new JsonCalls(ops(database, minutes), 4 << 20);
        }

        void offer(SampleBatch batch) {
            offerExpecting(batch, "ok");
        }

        void offerExpecting(SampleBatch batch, String answer) {
            assertThat(ingestor.offer(batch, 1)).isTrue();
            ingestor.doWork(clock.epochMillis());
            assertThat(answers.getLast()).isEqualTo(answer);
        }

        long minuteRows() throws Exception {
            return count("minute_samples");
        }

        long count(String table) throws Exception {
            return database.inTransaction(c -> count(c, table));
        }

        private static long count(Connection c, String table) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table);
                    ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }

        @Override
        public void close() throws Exception {
            ingestor.close();
            minutes.close();
            journal.close();
            rejected.close();
        }
    }
}
