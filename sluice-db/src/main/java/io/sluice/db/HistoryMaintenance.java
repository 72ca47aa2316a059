package io.sluice.db;

import io.sluice.db.ingest.MinuteWriter;
import io.sluice.db.store.Database;
import io.sluice.db.store.MinuteRows;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.VolumeHours;
import java.sql.SQLException;

/**
 * Rolls performance history up (1 s to 1 min to 1 h) and applies retention. A single-threaded {@link #doWork} against
 * the time it is given, so tests drive it step by step.
 *
 * <p>A window is rolled up once it ended {@link #GRACE_MILLIS} ago, so samples arriving a little late are included; a
 * sample arriving later than that stays at 1 s only. Each call rolls at most {@link #MAX_SPAN_MILLIS} of history, so
 * catching up after a long outage happens in bounded steps.
 */
public final class HistoryMaintenance {
    static final long GRACE_MILLIS = 120_000;
    static final long MAX_SPAN_MILLIS = 6 * 3_600_000L;
    static final long RETENTION_EVERY_MILLIS = 60_000;

    private final Database database;
    private final RollupRepository rollups = new RollupRepository();
    private final Retention retention;
    private final MinuteWriter minutes;
    private long nextRetentionAt;

    public HistoryMaintenance(Database database, Retention retention) {
        this(database, retention, null);
    }

    /**
     * With {@code minutes} (the minute-rows layout), the minute rollup writes the minutes held in memory instead of
     * rolling up 1 s rows alone.
     */
    public HistoryMaintenance(Database database, Retention retention, MinuteWriter minutes) {
        this.database = database;
        this.retention = retention;
        this.minutes = minutes;
    }

    /** One step at time {@code now}; returns the rows written or deleted (0 when there was nothing to do). */
    public int doWork(long now) throws SQLException {
        int work = minutes != null
                ? minutes.write(now - GRACE_MILLIS, MAX_SPAN_MILLIS, now)
                : rollUp(Resolution.MINUTE, Resolution.SECOND, now - GRACE_MILLIS);
        Long minutesDone = database.inTransaction(c -> rollups.doneUntil(c, Resolution.MINUTE));
        if (minutesDone != null) {
            work += rollUp(Resolution.HOUR, Resolution.MINUTE, Math.min(now - GRACE_MILLIS, minutesDone));
        }
        if (now >= nextRetentionAt) {
            nextRetentionAt = now + RETENTION_EVERY_MILLIS;
            work += applyRetention(now);
        }
        return work;
    }

    private int rollUp(Resolution target, Resolution source, long completeBefore) throws SQLException {
        long end = Math.floorDiv(completeBefore, target.millis()) * target.millis();
        return database.inTransaction(c -> {
            Long from = rollups.doneUntil(c, target);
            if (from == null) {
                Long earliest = rollups.earliest(c, source);
                if (earliest == null) {
                    return 0;
                }
                from = Math.floorDiv(earliest, target.millis()) * target.millis();
            }
            long to = Math.min(end, from + MAX_SPAN_MILLIS);
            return to > from ? rollups.rollUp(c, target, from, to) : 0;
        });
    }

    private int applyRetention(long now) throws SQLException {
        return database.inTransaction(c -> {
            long minutesDone = orZero(rollups.doneUntil(c, Resolution.MINUTE));
            long hoursDone = orZero(rollups.doneUntil(c, Resolution.HOUR));
            long secondsCutoff = Math.min(now - retention.seconds().toMillis(), minutesDone);
            int deleted = rollups.deleteBefore(c, Resolution.SECOND, secondsCutoff);
            deleted += MinuteRows.deleteBefore(c, secondsCutoff);
            deleted += rollups.deleteBefore(
                    c, Resolution.MINUTE, Math.min(now - retention.minutes().toMillis(), hoursDone));
            deleted += rollups.deleteBefore(
                    c, Resolution.HOUR, now - retention.hours().toMillis());
            deleted += VolumeHours.deleteBefore(c, now - retention.hours().toMillis());
            deleted += rollups.deleteBatchIdsBefore(c, now - retention.seconds().toMillis());
            return deleted;
        });
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
