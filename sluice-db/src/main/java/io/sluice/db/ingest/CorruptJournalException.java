package io.sluice.db.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A journal damaged before its last record: not a write cut short (that only tears the tail, which opening cuts), so
 * the records after the damage may have been acknowledged. The records before it are kept in {@link #intact}.
 */
public final class CorruptJournalException extends IOException {
    private final transient Path file;
    private final long position;
    private final transient List<MinuteSegment.Record> intact;

    CorruptJournalException(Path file, long position, List<MinuteSegment.Record> intact) {
        super("journal " + file + " is damaged at byte " + position + ", before its end");
        this.file = file;
        this.position = position;
        this.intact = intact;
    }

    public Path file() {
        return file;
    }

    public long position() {
        return position;
    }

    List<MinuteSegment.Record> intact() {
        return intact;
    }
}
