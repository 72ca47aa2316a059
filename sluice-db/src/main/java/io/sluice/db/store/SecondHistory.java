package io.sluice.db.store;

import static io.sluice.protocol.SampleBatchDescriptor.*;

import io.sluice.protocol.LatencyBuckets;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * 1 s reads of the minute-rows layout: {@code samples_1s} rows (from before the layout was switched on), minute rows
 * and the minutes still in memory, merged. The database is read first, then memory ({@link OpenSeconds#visit}); when a
 * minute moved from memory to the database in between, or one of the range is being written, the read starts again
 * after a short pause, so a sample is counted once.
 */
public final class SecondHistory {
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private final Database database;
    private final SampleRepository samples;
    private final OpenSeconds open;

    public SecondHistory(Database database, OpenSeconds open) {
        this.database = database;
        this.samples = new SampleRepository(database.engine());
        this.open = open;
    }

    /** As {@link SampleRepository#range} at 1 s. */
    public List<SamplePoint> range(int volumeId, Integer direction, long from, long to, long afterT, int limit)
            throws SQLException {
        int[] ids = {volumeId};
        while (true) {
            long moved = open.moved();
            Points points = new Points(direction, afterT);
            database.inTransaction(c -> {
                for (SamplePoint p :
                        samples.range(c, volumeId, direction, from, to, afterT, Resolution.SECOND, limit)) {
                    points.add(p);
                }
                MinuteRows.visit(c, ids, from, to, points::add);
                return null;
            });
            if (open.visit(ids, from, to, moved, points::add)) {
                return points.first(limit);
            }
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        }
    }

    /** As {@link SampleRepository#summary} at 1 s. */
    public List<VolumeSummary> summary(int[] volumeIds, long from, long to) throws SQLException {
        while (true) {
            long moved = open.moved();
            Totals totals = new Totals();
            database.inTransaction(c -> {
                samples.sumSeconds(c, totals.totals, volumeIds, from, to);
                MinuteRows.visit(c, volumeIds, from, to, totals::add);
                return null;
            });
            if (open.visit(volumeIds, from, to, moved, totals::add)) {
                return totals.totals.summaries();
            }
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        }
    }

    /** Samples summed per second, as the 1 s range sums the rows of one second (directions, gateways). */
    private static final class Points {
        private static final int WIDTH = 6 + LatencyBuckets.COUNT;
        private final TreeMap<Long, long[]> byT = new TreeMap<>();
        private final Integer direction;
        private final long afterT;

        Points(Integer direction, long afterT) {
            this.direction = direction;
            this.afterT = afterT;
        }

        void add(SamplePoint p) {
            long[] sums = byT.computeIfAbsent(p.t(), t -> new long[WIDTH]);
            sums[0] += p.ops();
            sums[1] += p.bytes();
            sums[2] += p.throttledOps();
            sums[3] += p.latencySumMicros();
            sums[4] = Math.max(sums[4], p.iopsLimit());
            sums[5] = Math.max(sums[5], p.windowMillis());
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                sums[6 + b] += p.buckets()[b];
            }
        }

        void add(ByteBuffer buffer, int offset) {
            long t = buffer.getLong(offset + INTERVAL_START_OFFSET);
            if (t <= afterT || (direction != null && buffer.getInt(offset + DIRECTION_OFFSET) != direction)) {
                return;
            }
            long[] sums = byT.computeIfAbsent(t, k -> new long[WIDTH]);
            sums[0] += buffer.getLong(offset + OPS_OFFSET);
            sums[1] += buffer.getLong(offset + BYTES_OFFSET);
            sums[2] += buffer.getLong(offset + THROTTLED_OPS_OFFSET);
            sums[3] += buffer.getLong(offset + LATENCY_SUM_OFFSET);
            sums[4] = Math.max(sums[4], buffer.getLong(offset + IOPS_LIMIT_OFFSET));
            sums[5] = Math.max(sums[5], buffer.getInt(offset + INTERVAL_LENGTH_OFFSET));
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                sums[6 + b] += buffer.getInt(offset + BUCKETS_OFFSET + b * 4) & 0xFFFF_FFFFL;
            }
        }

        List<SamplePoint> first(int limit) {
            List<SamplePoint> points = new ArrayList<>(Math.min(limit, byT.size()));
            for (Map.Entry<Long, long[]> e : byT.entrySet()) {
                if (points.size() == limit) {
                    break;
                }
                long[] s = e.getValue();
                long[] buckets = new long[LatencyBuckets.COUNT];
                System.arraycopy(s, 6, buckets, 0, buckets.length);
                points.add(new SamplePoint(e.getKey(), s[0], s[1], s[2], s[3], s[4], s[5], buckets));
            }
            return points;
        }
    }

    /** Per-volume totals of samples, each sample one point, as the 1 s summary counts rows. */
    private static final class Totals {
        final VolumeTotals totals = new VolumeTotals();
        private final long[] row = new long[VolumeTotals.WIDTH];

        void add(ByteBuffer buffer, int offset) {
            row[VolumeTotals.OPS] = buffer.getLong(offset + OPS_OFFSET);
            row[VolumeTotals.BYTES] = buffer.getLong(offset + BYTES_OFFSET);
            row[VolumeTotals.POINTS] = 1;
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                row[VolumeTotals.FIRST_BUCKET + b] = buffer.getInt(offset + BUCKETS_OFFSET + b * 4) & 0xFFFF_FFFFL;
            }
            totals.add(buffer.getInt(offset + VOLUME_ID_OFFSET), row);
        }
    }
}
