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
import io.sluice.db.store.LatencyPercentiles;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code samples.summary} over a range of rolled-up hours with minute edges on either side (and an hour not rolled up
 * yet), checked against totals the test adds up itself from the samples it wrote.
 */
abstract class SummaryContract {
    static final long MINUTE = 60_000L;
    static final long HOUR = 3_600_000L;
    static final long T0 = 1_790_000_000_000L / HOUR * HOUR;
    /** Samples from half an hour before T0 to half an hour after T0 + 2 h, one second in ten. */
    static final long FIRST = T0 - 30 * MINUTE;

    static final int SECONDS = 1_080;
    static final int VOLUMES = 3;
    /** A volume with samples only in [T0 + 2 min, T0 + 6 min): present in a range only if they are. */
    static final int BRIEF_VOLUME = 9;

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    abstract TestDatabase create(Path dir) throws Exception;

    @Test
    void wholeHoursAndMinuteEdgesAddUpToTheSamples() throws Exception {
        try (TestDatabase test = create(dir);
                Database database = Database.open(test.url(), test.user(), test.password(), 2, 2_000)) {
            SampleRepository samples = new SampleRepository(database.engine());
            List<SampleBatch> group = new ArrayList<>();
            for (int k = 0; k < SECONDS; k++) {
                group.add(SampleBatch.of(2, batch(k + 1, FIRST + k * 10_000L)));
                if (group.size() == 60 || k == SECONDS - 1) {
                    List<SampleBatch> batches = List.copyOf(group);
                    database.inTransaction(c -> samples.append(c, batches, T0));
                    group.clear();
                }
            }
            // Minutes are rolled up to T0 + 2 h 38 min, hours only to T0 + 2 h: the last hour is not over.
            HistoryMaintenance history = new HistoryMaintenance(database, Retention.DEFAULT);
            long now = T0 + 2 * HOUR + 40 * MINUTE;
            while (history.doWork(now) > 0) {
                now += 1;
            }
            JsonCalls calls = new JsonCalls(
                    new DbOps(
                            database,
                            new ManualEpochClock(now),
                            () -> new IngestionStatus(false, 0, 0, 0, null),
                            new KnownVolumes()),
                    256 * 1024);

            long from = T0 - 20 * MINUTE;
            long to = T0 + 2 * HOUR + 25 * MINUTE;
            JsonNode minutes = summary(calls, from, to, "1m", "");
            assertThat(minutes.get("items")).hasSize(VOLUMES + 1);
            for (int v = 1; v <= VOLUMES; v++) {
                JsonNode item = minutes.get("items").get(v - 1);
                Expected expected = expected(v, from, to);
                assertThat(item.get("volumeId").asInt()).isEqualTo(v);
                assertThat(item.get("ops").asLong()).as("ops of volume %d", v).isEqualTo(expected.ops);
                assertThat(item.get("bytes").asLong())
                        .as("bytes of volume %d", v)
                        .isEqualTo(expected.bytes);
                assertThat(item.get("points").asLong())
                        .as("minute rows of volume %d", v)
                        .isEqualTo(expected.minutes.size());
                assertThat(item.get("latencyP99Micros").asLong())
                        .as("p99 of volume %d", v)
                        .isEqualTo(LatencyPercentiles.of(expected.buckets, 99));
            }
            // The burst of slow operations in one hour decides volume 2's p99 over the whole range.
            assertThat(minutes.get("items").get(1).get("latencyP99Micros").asLong())
                    .isGreaterThanOrEqualTo(LatencyBuckets.lowerBoundMicros(15));

            // Edges read from an hour's row: the start less the minutes before it (50 of the hour's 60
            // minutes are in the range), the end whole (the range ends after the minute rollup's mark).
            // Also an edge read from its minutes because the hour before it may have lost minutes.
            long[][] ranges = {
                {T0 + 10 * MINUTE, T0 + 2 * HOUR + 50 * MINUTE},
                {T0 + 5 * MINUTE, T0 + HOUR + 45 * MINUTE},
                {T0 - 50 * MINUTE, T0 + 3 * HOUR}
            };
            for (long[] range : ranges) {
                JsonNode edges = summary(calls, range[0], range[1], "1m", "");
                String span =
                        " over [T0 + " + (range[0] - T0) / MINUTE + " min, T0 + " + (range[1] - T0) / MINUTE + " min)";
                List<Integer> present = new ArrayList<>();
                edges.get("items")
                        .forEach(item -> present.add(item.get("volumeId").asInt()));
                List<Integer> expectedPresent = new ArrayList<>();
                for (int v : new int[] {1, 2, 3, BRIEF_VOLUME}) {
                    if (expected(v, range[0], range[1]).samples > 0) {
                        expectedPresent.add(v);
                    }
                }
                assertThat(present).as("volumes" + span).isEqualTo(expectedPresent);
                for (JsonNode item : edges.get("items")) {
                    int v = item.get("volumeId").asInt();
                    Expected expected = expected(v, range[0], range[1]);
                    String what = "volume " + v + span;
                    assertThat(item.get("ops").asLong()).as("ops of %s", what).isEqualTo(expected.ops);
                    assertThat(item.get("bytes").asLong())
                            .as("bytes of %s", what)
                            .isEqualTo(expected.bytes);
                    assertThat(item.get("points").asLong())
                            .as("minute rows of %s", what)
                            .isEqualTo(expected.minutes.size());
                    assertThat(item.get("latencyP99Micros").asLong())
                            .as("p99 of %s", what)
                            .isEqualTo(LatencyPercentiles.of(expected.buckets, 99));
                }
            }
            // The brief volume's minutes all lie before the first range's start, in the hour its start
            // edge is read from (as the hour's row less those minutes): it must not be counted there.
            assertThat(expected(BRIEF_VOLUME, ranges[0][0], ranges[0][1]).samples)
                    .isZero();
            assertThat(expected(BRIEF_VOLUME, ranges[1][0], ranges[1][1]).samples)
                    .isPositive();

            // The same figures straight from the 1 s samples, and for the volumes asked for only.
            JsonNode seconds = summary(calls, from, to, "1s", ",'volumeIds':[1,3]");
            assertThat(seconds.get("items")).hasSize(2);
            for (int i = 0; i < 2; i++) {
                JsonNode item = seconds.get("items").get(i);
                JsonNode sameVolume =
                        minutes.get("items").get(item.get("volumeId").asInt() - 1);
                assertThat(item.get("ops")).isEqualTo(sameVolume.get("ops"));
                assertThat(item.get("bytes")).isEqualTo(sameVolume.get("bytes"));
                assertThat(item.get("latencyP99Micros")).isEqualTo(sameVolume.get("latencyP99Micros"));
                assertThat(item.get("points").asLong())
                        .isEqualTo(expected(item.get("volumeId").asInt(), from, to).samples);
            }
            assertThat(seconds.get("items").get(1).get("volumeId").asInt()).isEqualTo(3);

            // Whole hours alone, from the hour rollup only.
            JsonNode hours = summary(calls, T0, T0 + 2 * HOUR, "1m", ",'volumeIds':[2]");
            assertThat(hours.get("items").get(0).get("ops").asLong()).isEqualTo(expected(2, T0, T0 + 2 * HOUR).ops);
            assertThat(hours.get("items").get(0).get("points").asLong()).isEqualTo(2 * 120L);

            // The whole hours are answered from the hour rollup: without their minute rows nothing changes.
            database.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM samples_1m WHERE t >= ? AND t < ?")) {
                    s.setLong(1, T0);
                    s.setLong(2, T0 + 2 * HOUR);
                    return s.executeUpdate();
                }
            });
            assertThat(summary(calls, from, to, "1m", "")).isEqualTo(minutes);
        }
    }

    private static JsonNode summary(JsonCalls calls, long from, long to, String resolution, String more)
            throws Exception {
        String request = "{'op':'samples.summary','actor':'system:web','from':" + from + ",'to':" + to
                + ",'resolution':'" + resolution + "'" + more + "}";
        JsonCalls.Answer answer = calls.call(request.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status())
                .as(new String(answer.json(), StandardCharsets.UTF_8))
                .isEqualTo(CallStatus.OK);
        return MAPPER.readTree(answer.json());
    }

    /** Every volume present at second {@code t}, both directions. */
    private static byte[] batch(long batchId, long t) {
        int volumes = present(BRIEF_VOLUME, t) ? VOLUMES + 1 : VOLUMES;
        ByteBuffer buffer = ByteBuffer.allocate(SampleBatchDescriptor.batchLength(volumes * 2));
        SampleBatchFlyweight batch = new SampleBatchFlyweight().wrap(buffer, 0).begin(batchId);
        for (int i = 1; i <= volumes; i++) {
            int v = i <= VOLUMES ? i : BRIEF_VOLUME;
            for (IoDirection direction : IoDirection.values()) {
                int d = direction.ordinal();
                long ops = ops(v, d, t);
                long slow = slow(v, t);
                batch.append()
                        .volumeId(v)
                        .direction(direction)
                        .gatewayId(7)
                        .intervalStartMillis(t)
                        .intervalLengthMillis(1000)
                        .queueDepth(4)
                        .ops(ops)
                        .bytes(bytes(ops, d))
                        .throttledOps(0)
                        .latencySumMicros(ops * 300)
                        .iopsLimit(5000)
                        .latencyBucket(6, ops - slow)
                        .latencyBucket(15, slow);
            }
        }
        return buffer.array();
    }

    static long ops(int volume, int direction, long t) {
        return 20 + (t / 10_000 + 7L * volume + direction) % 13;
    }

    static long bytes(long ops, int direction) {
        return ops * 4096 * (direction + 1);
    }

    /** Volume 2 is slow for ten minutes of the first whole hour; the others once in a while. */
    static long slow(int volume, long t) {
        if (volume == 2) {
            return t >= T0 + 20 * MINUTE && t < T0 + 30 * MINUTE ? 10 : 0;
        }
        return (t / 10_000) % 50 == 0 ? 1 : 0;
    }

    static boolean present(int volume, long t) {
        return volume != BRIEF_VOLUME || (t >= T0 + 2 * MINUTE && t < T0 + 6 * MINUTE);
    }

    private static Expected expected(int volume, long from, long to) {
        Expected e = new Expected();
        for (int k = 0; k < SECONDS; k++) {
            long t = FIRST + k * 10_000L;
            if (t < from || t >= to || !present(volume, t)) {
                continue;
            }
            for (int d = 0; d < 2; d++) {
                long ops = ops(volume, d, t);
                e.ops += ops;
                e.bytes += bytes(ops, d);
                e.buckets[6] += ops - slow(volume, t);
                e.buckets[15] += slow(volume, t);
                e.minutes.add(d + ":" + t / MINUTE);
                e.samples++;
            }
        }
        return e;
    }

    private static final class Expected {
        long ops;
        long bytes;
        long samples;
        final long[] buckets = new long[LatencyBuckets.COUNT];
        final Set<String> minutes = new HashSet<>();
    }
}
