package io.sluice.bench.db;

import io.sluice.common.EpochClock;
import io.sluice.db.DbContext;
import io.sluice.db.DbManager;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.json.DbOps;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.store.ComplianceRepository;
import io.sluice.db.store.ComplianceResult;
import io.sluice.db.store.Database;
import io.sluice.db.store.Engine;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.RegistryRepository;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.db.store.VolumeHours;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One engine's run: ingestion through the repository's batched path, the same samples row by row, ingestion end to end
 * through the mailbox and the manager, then the three queries.
 */
final class EngineBench {
    static final long HOUR = 3_600_000L;
    static final int INGEST_VOLUMES = 10_000;
    /** Samples per batch: as many as a db mailbox slot holds, as the services send them. */
    static final int BATCH_SAMPLES = SampleBatchDescriptor.maxSamples(ServerMailboxes.DB.paramCapacity());

    static final int QUERY_VOLUME = 900_000;
    static final int SUMMARY_FIRST_VOLUME = 1_000_000;

    record Result(
            double ingestPerSecond,
            double rowByRowPerSecond,
            double endToEndPerSecond,
            double rangeP99Millis,
            double summaryP99Millis,
            double reportP99Millis) {
        double worstQueryP99Millis() {
            return Math.max(rangeP99Millis, Math.max(summaryP99Millis, reportP99Millis));
        }
    }

    private final String label;
    private final String url;
    private final String user;
    private final String password;
    private final Path workDir;
    private final boolean quick;
    private final int summaryVolumes;
    private final long now = System.currentTimeMillis() / HOUR * HOUR;
    private long nextBatchId = 1;

    EngineBench(
            String label, String url, String user, String password, Path workDir, boolean quick, int summaryVolumes) {
        this.label = label;
        this.url = url;
        this.user = user;
        this.password = password;
        this.workDir = workDir;
        this.quick = quick;
        this.summaryVolumes = summaryVolumes;
    }

    Result run() throws Exception {
        double batched;
        double rowByRow;
        try (Database database = Database.open(url, user, password, 4, 5_000)) {
            ingestBatched(database, quick ? 300 : 3_000);
            batched = ingestBatched(database, quick ? 2_000 : 15_000);
            rowByRow = ingestRowByRow(database, quick ? 1_000 : 8_000);
        }
        double endToEnd = ingestThroughMailbox(quick ? 2_000 : 15_000);
        try (Database database = Database.open(url, user, password, 4, 5_000)) {
            loadQueryData(database);
            JsonCalls calls = new JsonCalls(
                    new DbOps(
                            database,
                            EpochClock.system(),
                            () -> new IngestionStatus(false, 0, 0, 0, null),
                            new KnownVolumes()),
                    ServerMailboxes.DB.paramCapacity());
            int iterations = quick ? 10 : 100;
            double range = p99(calls, iterations, this::rangeHourAtSeconds);
            double summary = p99(calls, iterations, this::summaryDayAtMinutes);
            double report = p99(
                    calls,
                    iterations,
                    c -> call(
                            c,
                            "{\"op\":\"compliance.report\",\"actor\":\"bench\",\"from\":" + (now - 30 * 24 * HOUR)
                                    + ",\"to\":" + now + "}"));
            return new Result(batched, rowByRow, endToEnd, range, summary, report);
        }
    }

    /**
     * Samples per second through {@link SampleRepository#append}, 20,000 samples a transaction, as the ingestor groups
     * them.
     */
    private double ingestBatched(Database database, long millis) throws Exception {
        SampleRepository samples = new SampleRepository(database.engine());
        List<byte[]> payloads = payloads(16);
        int perTransaction = Math.max(1, 20_000 / BATCH_SAMPLES);
        long stored = 0;
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        int next = 0;
        while (System.nanoTime() < deadline) {
            List<SampleBatch> group = new ArrayList<>(perTransaction);
            for (int i = 0; i < perTransaction; i++) {
                group.add(new SampleBatch(1, nextBatchId++, payloads.get(next++ % payloads.size())));
            }
            stored += database.inTransaction(c -> samples.append(c, group, now));
        }
        return stored / ((System.nanoTime() - start) / 1e9);
    }

    /** The baseline: one INSERT statement per sample, committed per batch. */
    private double ingestRowByRow(Database database, long millis) throws Exception {
        List<byte[]> payloads = payloads(4);
        String sql = "INSERT INTO samples_1s (" + SampleRepository.SAMPLE_COLUMNS + ") VALUES ("
                + "?, ".repeat(SampleRepository.SAMPLE_COLUMN_COUNT - 1) + "?)";
        long stored = 0;
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        int next = 0;
        while (System.nanoTime() < deadline) {
            ByteBuffer batch = ByteBuffer.wrap(payloads.get(next++ % payloads.size()));
            stored += database.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    for (int i = 0; i < BATCH_SAMPLES; i++) {
                        SampleRepository.bindSample(s, batch, SampleBatchDescriptor.sampleOffset(i));
                        s.executeUpdate();
                    }
                }
                return BATCH_SAMPLES;
            });
        }
        return stored / ((System.nanoTime() - start) / 1e9);
    }

    /** Samples per second acknowledged by a running manager, with 8 batches in flight through its mailbox. */
    private double ingestThroughMailbox(long millis) throws Exception {
        DbContext context = DbContext.builder()
                .dataDir(workDir.resolve(label + "-manager"))
                .jdbcUrl(url)
                .jdbcUser(user)
                .jdbcPassword(password)
                .mailboxDir(workDir)
                .mailboxName("bench-" + label)
                .build();
        List<byte[]> payloads = payloads(16);
        registerIngestVolumes();
        try (DbManager manager = new DbManager(context);
                Mailbox mailbox = Mailbox.open(context.mailboxFile());
                MailboxClient client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
            ArrayDeque<CompletableFuture<Reply>> inFlight = new ArrayDeque<>();
            long acknowledged = 0;
            long start = System.nanoTime();
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
            int next = 0;
            while (System.nanoTime() < deadline || !inFlight.isEmpty()) {
                if (System.nanoTime() < deadline && inFlight.size() < 8) {
                    byte[] batch = payloads.get(next++ % payloads.size()).clone();
                    ByteBuffer.wrap(batch).putLong(SampleBatchDescriptor.BATCH_ID_OFFSET, nextBatchId++);
                    inFlight.add(client.call(
                            MailboxOpcodes.DB_APPEND_SAMPLES, SlotFlags.IDEMPOTENT, client.nextCorrelationId(), batch));
                    continue;
                }
                Reply reply = inFlight.poll().get(60, TimeUnit.SECONDS);
                if (reply.status() != CallStatus.OK) {
                    throw new IllegalStateException(
                            "batch refused: " + new String(reply.result(), StandardCharsets.UTF_8));
                }
                acknowledged += BATCH_SAMPLES;
            }
            return acknowledged / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** The manager refuses samples of unregistered volumes: register them all, as the services would have. */
    private void registerIngestVolumes() throws Exception {
        try (Database database = Database.open(url, user, password, 1, 5_000)) {
            RegistryRepository registry = new RegistryRepository();
            database.inTransaction(c -> {
                for (int volume = 1; volume <= INGEST_VOLUMES; volume++) {
                    registry.upsertVolume(c, volume, 1 + volume % 16, null, null, null, now);
                }
                return null;
            });
        }
    }

    private List<byte[]> payloads(int count) {
        List<byte[]> payloads = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            payloads.add(BenchData.batch(0, (long) i * BATCH_SAMPLES, BATCH_SAMPLES, 1, INGEST_VOLUMES, now + HOUR));
        }
        return payloads;
    }

    /**
     * One volume's last hour at 1 s; {@code summaryVolumes} volumes' last day at 1 min (written straight into the
     * rollup table and added to the volume-hour rows as the minute rollup does, then rolled up into hours as the
     * manager does once an hour is over: all but the last); 30 days of hourly verdicts for 20 SLAs (5 when quick) on 3
     * dimensions.
     */
    private void loadQueryData(Database database) throws Exception {
        SampleRepository samples = new SampleRepository(database.engine());
        long hourAgo = now - HOUR;
        for (int first = 0; first < 7_200; first += BATCH_SAMPLES) {
            int count = Math.min(BATCH_SAMPLES, 7_200 - first);
            SampleBatch batch =
                    new SampleBatch(1, nextBatchId++, BenchData.batch(0, first, count, QUERY_VOLUME, 1, hourAgo));
            database.inTransaction(c -> samples.append(c, List.of(batch), now));
        }
        String insertMinute =
                "INSERT INTO samples_1m (volume_id, direction, t, samples, ops, bytes, throttled_ops, latency_sum,"
                        + " min_ops, max_ops, iops_limit" + bucketColumns() + ") VALUES ("
                        + "?, ".repeat(10 + LatencyBuckets.COUNT) + "?)";
        for (int v = 0; v < summaryVolumes; v++) {
            int volume = SUMMARY_FIRST_VOLUME + v;
            database.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement(insertMinute)) {
                    for (int m = 0; m < 1_440; m++) {
                        for (int direction = 0; direction < 2; direction++) {
                            bindMinute(s, volume, direction, now - 24 * HOUR + m * 60_000L);
                            s.addBatch();
                        }
                    }
                    s.executeBatch();
                }
                return null;
            });
        }
        // What the minute rollup does with the minute rows it writes, then its mark at the top of the hour.
        RollupRepository rollups = new RollupRepository();
        for (long hour = now - 24 * HOUR; hour < now; hour += HOUR) {
            long start = hour;
            database.inTransaction(c -> {
                VolumeHours.addMinutes(c, start, start + HOUR);
                return null;
            });
        }
        database.inTransaction(c -> {
            rollups.recordDone(c, Resolution.MINUTE, now);
            return null;
        });
        for (long hour = now - 24 * HOUR; hour < now - HOUR; hour += HOUR) {
            long start = hour;
            database.inTransaction(c -> rollups.rollUp(c, Resolution.HOUR, start, start + HOUR));
        }
        ComplianceRepository compliance = new ComplianceRepository();
        List<ComplianceResult> results = new ArrayList<>();
        String[] dimensions = {"LIMIT", "RESERVATION", "LATENCY"};
        for (int sla = 0; sla < (quick ? 5 : 20); sla++) {
            for (String dimension : dimensions) {
                for (int h = 0; h < 30 * 24; h++) {
                    results.add(new ComplianceResult(
                            "sla-" + sla,
                            "TENANT",
                            "tenant-" + sla % 5,
                            now - 30 * 24 * HOUR + h * HOUR,
                            HOUR,
                            dimension,
                            (h + sla) % 50 == 0 ? "MISSED" : "MET"));
                }
            }
        }
        database.inTransaction(c -> compliance.append(c, results));
        if (database.engine() == Engine.POSTGRESQL) {
            database.inTransaction(c -> {
                try (var s = c.createStatement()) {
                    s.execute("ANALYZE");
                }
                return null;
            });
        }
    }

    private static void bindMinute(PreparedStatement s, int volume, int direction, long t) throws SQLException {
        long ops = 3_000 + (t / 60_000 + volume) % 500;
        s.setInt(1, volume);
        s.setShort(2, (short) direction);
        s.setLong(3, t);
        s.setInt(4, 60);
        s.setLong(5, ops);
        s.setLong(6, ops * 4096);
        s.setLong(7, 0);
        s.setLong(8, ops * 400);
        s.setLong(9, ops / 60 - 5);
        s.setLong(10, ops / 60 + 5);
        s.setLong(11, 10_000);
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            s.setLong(12 + b, b >= 7 && b <= 9 ? ops / 3 : b == 13 ? 2 : 0);
        }
    }

    private static String bucketColumns() {
        StringBuilder columns = new StringBuilder();
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            columns.append(", b").append(b);
        }
        return columns.toString();
    }

    /** The whole hour, page after page, as a dashboard would fetch it. */
    private void rangeHourAtSeconds(JsonCalls calls) {
        String after = null;
        int points = 0;
        do {
            String request = "{\"op\":\"samples.range\",\"actor\":\"bench\",\"volumeId\":" + QUERY_VOLUME + ",\"from\":"
                    + (now - HOUR) + ",\"to\":" + now + ",\"resolution\":\"1s\""
                    + (after == null ? "" : ",\"after\":\"" + after + "\"") + "}";
            String answer = call(calls, request);
            points += count(answer, "\"t\":");
            int next = answer.lastIndexOf("\"next\":\"");
            after = next < 0 ? null : answer.substring(next + 8, answer.indexOf('"', next + 8));
        } while (after != null);
        if (points != 3_600) {
            throw new IllegalStateException("expected 3600 points, got " + points);
        }
    }

    /** Every volume's day, checked whole: an engine answering from nothing or from part of the day fails. */
    private void summaryDayAtMinutes(JsonCalls calls) {
        String answer = call(
                calls,
                "{\"op\":\"samples.summary\",\"actor\":\"bench\",\"from\":" + (now - 24 * HOUR) + ",\"to\":" + now
                        + ",\"resolution\":\"1m\"}");
        int wholeDays = count(answer, "\"points\":2880}");
        if (wholeDays != summaryVolumes || count(answer, "\"volumeId\":") != summaryVolumes) {
            throw new IllegalStateException(
                    "expected " + summaryVolumes + " volumes with 2880 minute rows, got " + wholeDays);
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String call(JsonCalls calls, String request) {
        JsonCalls.Answer answer = calls.call(request.getBytes(StandardCharsets.UTF_8));
        String json = new String(answer.json(), StandardCharsets.UTF_8);
        if (answer.status() != CallStatus.OK) {
            throw new IllegalStateException("query failed: " + json);
        }
        return json;
    }

    @FunctionalInterface
    private interface Query {
        void run(JsonCalls calls);
    }

    private static double p99(JsonCalls calls, int iterations, Query query) {
        for (int i = 0; i < 2; i++) {
            query.run(calls);
        }
        Percentiles latencies = new Percentiles();
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            query.run(calls);
            latencies.add(System.nanoTime() - start);
        }
        return latencies.millis(99);
    }
}
