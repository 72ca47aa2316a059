package io.sluice.db.ingest;

import static io.sluice.db.store.MinuteSamplesDescriptor.MINUTE_MILLIS;
import static io.sluice.db.store.MinuteSamplesDescriptor.minuteOf;
import static io.sluice.protocol.SampleBatchDescriptor.*;

import io.sluice.common.PrivateFiles;
import io.sluice.db.ingest.OpenMinute.BatchKey;
import io.sluice.db.store.OpenSeconds;
import io.sluice.db.store.SampleBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The minute-rows layout's memory: accepted samples of the minutes not written to {@code minute_samples} yet, each
 * minute journaled in its own {@link MinuteSegment} before its batches are acknowledged.
 *
 * <p>A sample belongs to part 0 of its minute until the minute writer seals the minute (it claims it once its grace has
 * passed); a sample arriving after that is late and goes to a later part of the minute, written as rows of their own.
 * The batches held here are remembered until their minute is written, in the same transaction as their ids, so a batch
 * offered again meanwhile is known.
 *
 * <p>Threads: the ingestion thread adds samples and owns the segment files (creating, syncing, deleting them); the
 * maintenance thread claims minutes, writes them and hands them back as written; 1 s reads visit samples. All of them
 * under one lock, held for no I/O and for at most a group's routing or a read's visit.
 */
public final class OpenMinutes implements OpenSeconds, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OpenMinutes.class.getName());
    /**
     * After start, every batch is also looked for in the database for this long: the calls a killed run took and may
     * have stored (in the rows layout, or in a minute it wrote) are redelivered by the mailbox's recovery sweep when
     * this run attaches, within seconds, and a caller's own retry comes within its call timeout.
     */
    static final long CHECK_ALL_AFTER_START_MILLIS = 30_000;

    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<OpenMinute> minutes = new ArrayList<>();
    private final Map<BatchKey, int[]> held = new HashMap<>();
    private final List<OpenMinute> written = new ArrayList<>();
    private final List<Path> quarantined = new ArrayList<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(SAMPLE_LENGTH);
    private final CompactSample.Reader reader = new CompactSample.Reader();
    private long sealedUntil = Long.MIN_VALUE;
    /** The last later part opened: part numbers are unique across minutes, the run and the journal replayed. */
    private long lastPart;

    private boolean started;
    private long checkAllUntil;
    private volatile long moved;
    private volatile long heldSamples;

    private OpenMinutes(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens the journal directory and replays what a previous run left into memory. A segment damaged before its end is
     * renamed {@code *.corrupt} and kept for an operator; the records before the damage are replayed into a new
     * segment.
     */
    public static OpenMinutes open(Path dir) throws IOException {
        PrivateFiles.ensureDirectory(dir);
        OpenMinutes open = new OpenMinutes(dir);
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(MinuteSegment.SUFFIX))
                    .sorted()
                    .toList();
        }
        for (Path file : files) {
            open.replay(file);
        }
        return open;
    }

    private void replay(Path file) throws IOException {
        String name = file.getFileName().toString();
        String[] key =
                name.substring(0, name.length() - MinuteSegment.SUFFIX.length()).split("-", 2);
        long start = Long.parseLong(key[0]);
        long part = Long.parseLong(key[1]);
        List<MinuteSegment.Record> records;
        boolean damaged = false;
        try {
            records = MinuteSegment.read(file);
        } catch (CorruptJournalException e) {
            Path kept = file.resolveSibling(name + ".corrupt");
            Files.move(file, kept, StandardCopyOption.REPLACE_EXISTING);
            quarantined.add(kept);
            LOG.log(
                    System.Logger.Level.ERROR,
                    e.getMessage() + "; kept as " + kept + ", the " + e.intact().size()
                            + " records before the damage replayed");
            records = e.intact();
            damaged = true;
        }
        OpenMinute minute = new OpenMinute(start, part, part > 0);
        lastPart = Math.max(lastPart, part);
        minute.segment = damaged ? MinuteSegment.create(dir, start, part) : MinuteSegment.reopen(file);
        for (MinuteSegment.Record record : records) {
            add(minute, record.source(), record.batch(), 0, sampleCount(record.batch()));
            if (damaged) {
                minute.segment.append(record.source(), record.batch());
            }
        }
        minute.segment.force();
        minutes.add(minute);
        heldSamples += minute.samples;
    }

    /**
     * Called by the ingestion thread once it knows from the database where the minutes are written up to: part 0 of an
     * earlier minute read back from the journal is already in the database (its segment outlived the write), so it is
     * dropped; from here on samples of those minutes are late.
     */
    public void start(long writtenUntil, long now) {
        lock.lock();
        try {
            checkAllUntil = now + CHECK_ALL_AFTER_START_MILLIS;
            sealedUntil = Math.max(sealedUntil, writtenUntil);
            for (OpenMinute minute : List.copyOf(minutes)) {
                if (minute.part == 0 && minute.start < writtenUntil) {
                    remove(minute);
                }
            }
            started = true;
        } finally {
            lock.unlock();
        }
    }

    public boolean started() {
        lock.lock();
        try {
            return started;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the database may know the batch: shortly after start, or when a sample of it is of a minute already
     * sealed (its id is written with that minute). Else memory alone knows whether it was accepted, and ingestion needs
     * no transaction.
     */
    public boolean mayBeStored(SampleBatch batch, long now) {
        ByteBuffer buffer = ByteBuffer.wrap(batch.bytes());
        int count = buffer.getInt(COUNT_OFFSET);
        lock.lock();
        try {
            if (now < checkAllUntil) {
                return true;
            }
            for (int i = 0; i < count; i++) {
                if (minuteOf(buffer.getLong(sampleOffset(i) + INTERVAL_START_OFFSET)) < sealedUntil) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the batch is held here: accepted, its minute not written yet. */
    public boolean holds(int source, long batchId) {
        lock.lock();
        try {
            return held.containsKey(new BatchKey(source, batchId));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds the batches' samples to their minutes, then appends each batch (cut by minute) to its minutes' segments and
     * syncs them; when this returns the batches are durable. Ingestion thread.
     */
    public void accept(List<SampleBatch> batches, long now) throws IOException {
        List<OpenMinute> targets = new ArrayList<>();
        List<SampleBatch> records = new ArrayList<>();
        lock.lock();
        try {
            for (SampleBatch batch : batches) {
                ByteBuffer buffer = ByteBuffer.wrap(batch.bytes());
                int count = buffer.getInt(COUNT_OFFSET);
                int from = 0;
                while (from < count) {
                    long minute = minuteOf(buffer.getLong(sampleOffset(from) + INTERVAL_START_OFFSET));
                    int to = from + 1;
                    while (to < count && minuteOf(buffer.getLong(sampleOffset(to) + INTERVAL_START_OFFSET)) == minute) {
                        to++;
                    }
                    OpenMinute target = route(minute, now);
                    byte[] bytes = from == 0 && to == count ? batch.bytes() : cut(batch.bytes(), from, to);
                    add(target, batch.source(), bytes, 0, to - from);
                    targets.add(target);
                    records.add(new SampleBatch(batch.source(), batch.batchId(), bytes));
                    from = to;
                }
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < targets.size(); i++) {
            OpenMinute target = targets.get(i);
            if (target.segment == null) {
                target.segment = MinuteSegment.create(dir, target.start, target.part);
            }
            target.segment.append(records.get(i).source(), records.get(i).bytes());
        }
        for (OpenMinute target : targets) {
            target.segment.force();
        }
    }

    private static byte[] cut(byte[] batch, int from, int to) {
        byte[] part = new byte[batchLength(to - from)];
        System.arraycopy(batch, 0, part, 0, SAMPLES_OFFSET);
        ByteBuffer.wrap(part).putInt(COUNT_OFFSET, to - from);
        System.arraycopy(batch, sampleOffset(from), part, SAMPLES_OFFSET, (to - from) * SAMPLE_LENGTH);
        return part;
    }

    private static int sampleCount(byte[] batch) {
        return ByteBuffer.wrap(batch).getInt(COUNT_OFFSET);
    }

    /** Under the lock: adds samples [from, to) of a batch to {@code minute} and remembers the batch there. */
    private void add(OpenMinute minute, int source, byte[] batch, int from, int to) {
        ByteBuffer buffer = ByteBuffer.wrap(batch);
        for (int i = from; i < to; i++) {
            int offset = sampleOffset(i);
            minute.add(buffer.getInt(offset + VOLUME_ID_OFFSET), buffer, offset);
        }
        BatchKey key = new BatchKey(source, buffer.getLong(BATCH_ID_OFFSET));
        minute.batches.add(key);
        held.computeIfAbsent(key, k -> new int[1])[0]++;
        heldSamples += to - from;
    }

    /** Under the lock: the minute a sample of {@code minute} goes to, made if needed. */
    private OpenMinute route(long minute, long now) {
        boolean late = minute < sealedUntil;
        for (OpenMinute m : minutes) {
            if (m.start != minute) {
                continue;
            }
            if (!late && m.part == 0) {
                return m;
            }
            if (late && m.part > 0 && !m.writing && !m.replayed) {
                return m;
            }
        }
        // A part written is never written to again (a replay of its rows adds nothing), so a number is used once: a
        // sequence that starts from the clock, so a later run starts above the numbers of earlier ones.
        long part = 0;
        if (late) {
            lastPart = Math.max(lastPart + 1, now);
            part = lastPart;
        }
        OpenMinute made = new OpenMinute(minute, part, false);
        minutes.add(made);
        return made;
    }

    /** Deletes the segments of the minutes written since the last call. Ingestion thread. */
    public void dropWritten() throws IOException {
        List<OpenMinute> done;
        lock.lock();
        try {
            if (written.isEmpty()) {
                return;
            }
            done = List.copyOf(written);
            written.clear();
        } finally {
            lock.unlock();
        }
        for (OpenMinute minute : done) {
            if (minute.segment != null) {
                minute.segment.delete();
            } else {
                Files.deleteIfExists(MinuteSegment.file(dir, minute.start, minute.part));
            }
        }
    }

    /** The first minute at or after {@code from} with part 0 held, or {@link Long#MAX_VALUE}. Maintenance thread. */
    long firstHeld(long from) {
        lock.lock();
        try {
            long first = Long.MAX_VALUE;
            for (OpenMinute m : minutes) {
                if (m.part == 0 && m.start >= from) {
                    first = Math.min(first, m.start);
                }
            }
            return first;
        } finally {
            lock.unlock();
        }
    }

    /** Makes every sample of a minute before {@code until} late from now on. Maintenance thread. */
    void seal(long until) {
        lock.lock();
        try {
            sealedUntil = Math.max(sealedUntil, until);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Seals the minute at {@code start} and returns its part 0 for writing (null if nothing of it is held): nobody adds
     * to it any more, so the writer reads it without the lock. Maintenance thread.
     */
    OpenMinute claim(long start) {
        lock.lock();
        try {
            sealedUntil = Math.max(sealedUntil, start + MINUTE_MILLIS);
            for (OpenMinute m : minutes) {
                if (m.part == 0 && m.start == start) {
                    m.writing = true;
                    return m;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** A later part of a sealed minute to write, claimed as {@link #claim} does, or null. Maintenance thread. */
    OpenMinute claimLate() {
        lock.lock();
        try {
            for (OpenMinute m : minutes) {
                if (m.part > 0 && !m.writing) {
                    m.writing = true;
                    return m;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** The claimed minute is in the database (committed): forgets it; the ingestion thread deletes its segment. */
    void written(OpenMinute minute) {
        lock.lock();
        try {
            remove(minute);
        } finally {
            lock.unlock();
        }
    }

    /** Writing the claimed minute failed: it stays held (sealed) and is written again later. */
    void release(OpenMinute minute) {
        lock.lock();
        try {
            minute.writing = false;
        } finally {
            lock.unlock();
        }
    }

    private void remove(OpenMinute minute) {
        minutes.remove(minute);
        for (BatchKey key : minute.batches) {
            int[] count = held.get(key);
            if (count != null && --count[0] == 0) {
                held.remove(key);
            }
        }
        heldSamples -= minute.samples;
        written.add(minute);
        moved++;
    }

    @Override
    public long moved() {
        return moved;
    }

    @Override
    public boolean visit(int[] volumeIds, long from, long to, long expectedMoved, SampleSink sink) {
        lock.lock();
        try {
            if (moved != expectedMoved) {
                return false;
            }
            for (OpenMinute m : minutes) {
                if (m.writing && m.overlaps(from, to)) {
                    return false;
                }
            }
            for (OpenMinute m : minutes) {
                if (!m.overlaps(from, to)) {
                    continue;
                }
                if (volumeIds == null) {
                    for (int slot = 0; slot < m.capacity(); slot++) {
                        OpenMinute.Volume v = m.volumeAt(slot);
                        if (v != null) {
                            visit(m, v, from, to, sink);
                        }
                    }
                } else {
                    for (int id : volumeIds) {
                        OpenMinute.Volume v = m.volume(id);
                        if (v != null) {
                            visit(m, v, from, to, sink);
                        }
                    }
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void visit(OpenMinute m, OpenMinute.Volume v, long from, long to, SampleSink sink) {
        reader.wrap(v.bytes, 0);
        for (int i = 0; i < v.count; i++) {
            reader.next(v.volumeId, m.start, scratch, 0);
            long t = scratch.getLong(INTERVAL_START_OFFSET);
            if (t >= from && t < to) {
                sink.sample(scratch, 0);
            }
        }
    }

    /** Samples held in memory (accepted, not yet written). */
    public long heldSamples() {
        return heldSamples;
    }

    /** Segments found damaged at start, kept under these names. */
    public List<Path> quarantined() {
        return List.copyOf(quarantined);
    }

    /** Closes the segment files (their minutes stay journaled for the next start). After ingestion stopped. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            for (OpenMinute m : minutes) {
                if (m.segment != null) {
                    m.segment.close();
                }
            }
            for (OpenMinute m : written) {
                if (m.segment != null) {
                    m.segment.delete();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
