package io.sluice.db.ingest;

import static io.sluice.db.store.MinuteSamplesDescriptor.MINUTE_MILLIS;

import io.sluice.db.ingest.OpenMinute.BatchKey;
import io.sluice.db.store.Database;
import io.sluice.db.store.MinuteAggregates;
import io.sluice.db.store.MinuteRowWriter;
import io.sluice.db.store.MinuteSamplesDescriptor;
import io.sluice.db.store.MinuteSamplesFlyweight;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.VolumeHours;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The minute rollup of the minute-rows layout (maintenance thread): each minute whose grace has passed is written from
 * {@link OpenMinutes} in one transaction (its {@code minute_samples} rows, its batches' ids, its {@code samples_1m}
 * rows, their addition to {@code volume_hours} and the minute rollup's mark), then forgotten in memory and its journal
 * segment deleted. A stretch of minutes memory holds nothing of (before the layout was switched on, or quiet) is rolled
 * up from {@code samples_1s} as before. Later parts of written minutes (late samples) are written as rows of their own.
 */
public final class MinuteWriter {
    private final Database database;
    private final OpenMinutes open;
    private final RollupRepository rollups = new RollupRepository();
    private final CompactSample.Reader reader = new CompactSample.Reader();

    public MinuteWriter(Database database, OpenMinutes open) {
        this.database = database;
        this.open = open;
    }

    /**
     * Writes the minutes that end by {@code completeBefore}, at most {@code maxSpan} of them per call, then the late
     * parts held; {@code now} stamps the batch ids. Returns the rows written.
     */
    public int write(long completeBefore, long maxSpan, long now) throws SQLException {
        long end = MinuteSamplesDescriptor.minuteOf(completeBefore);
        Long mark = database.inTransaction(c -> rollups.doneUntil(c, Resolution.MINUTE));
        long from;
        if (mark != null) {
            from = mark;
        } else {
            Long earliest = database.inTransaction(c -> rollups.earliest(c, Resolution.SECOND));
            from = Math.min(
                    earliest == null ? Long.MAX_VALUE : MinuteSamplesDescriptor.minuteOf(earliest),
                    open.firstHeld(Long.MIN_VALUE));
            if (from == Long.MAX_VALUE) {
                return writeLate(now);
            }
        }
        long limit = Math.min(end, from + maxSpan);
        int work = 0;
        while (from < limit) {
            long held = open.firstHeld(from);
            if (held > from) {
                long stretchFrom = from;
                long stretchTo = Math.min(held, limit);
                // Sealed first: a sample of these minutes arriving after the rollup is late, not lost in part 0.
                open.seal(stretchTo);
                if (open.firstHeld(from) < stretchTo) {
                    // One arrived before the seal: it is written from memory, not skipped by the rollup's mark.
                    continue;
                }
                work += database.inTransaction(c -> rollups.rollUp(c, Resolution.MINUTE, stretchFrom, stretchTo));
                from = stretchTo;
                continue;
            }
            OpenMinute minute = open.claim(from);
            if (minute == null) {
                // Dropped meanwhile as already written (the ingestion thread's start): nothing of it is held.
                continue;
            }
            work += writeMinute(minute, now);
            from += MINUTE_MILLIS;
        }
        return work + writeLate(now);
    }

    private int writeMinute(OpenMinute minute, long now) throws SQLException {
        try {
            int rows = database.inTransaction(c -> {
                Long mark = rollups.doneUntil(c, Resolution.MINUTE);
                if (mark != null && mark > minute.start) {
                    // Written by a run whose journal segment outlived the write.
                    return 0;
                }
                MinuteAggregates minuteRows = new MinuteAggregates(minute.start);
                minuteRows.addRows(c);
                int written = insertRows(c, minute, minuteRows);
                insertBatchIds(c, minute, now);
                written += minuteRows.insert(c);
                VolumeHours.addMinutes(c, minute.start, minute.start + MINUTE_MILLIS);
                rollups.recordDone(c, Resolution.MINUTE, minute.start + MINUTE_MILLIS);
                return written;
            });
            open.written(minute);
            return Math.max(rows, 1);
        } catch (SQLException | RuntimeException e) {
            open.release(minute);
            throw e;
        }
    }

    private int writeLate(long now) throws SQLException {
        int work = 0;
        OpenMinute minute;
        while ((minute = open.claimLate()) != null) {
            OpenMinute late = minute;
            try {
                work += database.inTransaction(c -> {
                    int rows = insertRows(c, late, null);
                    insertBatchIds(c, late, now);
                    return rows;
                });
                open.written(late);
            } catch (SQLException | RuntimeException e) {
                open.release(late);
                throw e;
            }
        }
        return work;
    }

    /** One row per volume: its samples decoded into the fixed layout, added to {@code aggregates} when given. */
    private int insertRows(Connection c, OpenMinute minute, MinuteAggregates aggregates) throws SQLException {
        MinuteSamplesFlyweight body = new MinuteSamplesFlyweight();
        int rows = 0;
        try (MinuteRowWriter writer = MinuteRowWriter.open(c, database.engine(), minute.part > 0)) {
            for (int slot = 0; slot < minute.capacity(); slot++) {
                OpenMinute.Volume volume = minute.volumeAt(slot);
                if (volume == null) {
                    continue;
                }
                byte[] bytes = new byte[MinuteSamplesDescriptor.length(volume.count)];
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                body.wrap(buffer, 0).begin(minute.start);
                reader.wrap(volume.bytes, 0);
                for (int i = 0; i < volume.count; i++) {
                    int offset = body.sampleOffset(i);
                    reader.next(volume.volumeId, minute.start, buffer, offset);
                    if (aggregates != null) {
                        aggregates.add(buffer, offset);
                    }
                }
                body.count(volume.count);
                writer.row(volume.volumeId, minute.start, minute.part, volume.count, bytes);
                rows++;
            }
            writer.finish();
        }
        return rows;
    }

    /**
     * The ids of the minute's batches, in the transaction of its rows: once the minute leaves memory the database knows
     * them. A batch spread over two minutes is recorded by the first written.
     */
    private static void insertBatchIds(Connection c, OpenMinute minute, long now) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO sample_batches (source, batch_id, samples, stored_at)"
                        + " VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING")) {
            for (BatchKey key : minute.batches) {
                s.setInt(1, key.source());
                s.setLong(2, key.batchId());
                s.setLong(3, now);
                s.addBatch();
            }
            if (!minute.batches.isEmpty()) {
                s.executeBatch();
            }
        }
    }
}
