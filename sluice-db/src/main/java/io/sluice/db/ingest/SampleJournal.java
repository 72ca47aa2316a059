package io.sluice.db.ingest;

import io.sluice.common.PrivateFiles;
import io.sluice.db.store.SampleBatch;
import io.sluice.protocol.SampleBatchDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The local append-only journal of sample batches acknowledged while the database could not take them. Each record is
 * synced to disk before its batch is acknowledged.
 *
 * <pre>
 *  record: | length (4, of what follows the CRC) | CRC32C (4, of what follows) | caller index (4) | batch bytes |
 * </pre>
 *
 * Opening scans the file and cuts it at the first record that is torn or fails its CRC: such a record was never synced,
 * so its batch was never acknowledged. Records are replayed in order and the file is emptied once all of them are in
 * the database; replaying twice is harmless because the database deduplicates by batch id. Owned by one thread (the
 * ingestion thread); the counters are readable from any.
 */
public final class SampleJournal implements AutoCloseable {
    static final int HEADER = 8;
    private final Path file;
    private final FileChannel channel;
    private final long maxBytes;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER + 4);
    private long end;
    private volatile long records;
    private volatile long samples;

    private SampleJournal(Path file, FileChannel channel, long maxBytes) {
        this.file = file;
        this.channel = channel;
        this.maxBytes = maxBytes;
    }

    public static SampleJournal open(Path file, long maxBytes) throws IOException {
        // Journaled samples are the server's alone, like the database they are waiting for.
        PrivateFiles.ensureDirectory(file.getParent());
        PrivateFiles.ensureFile(file);
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        SampleJournal journal = new SampleJournal(file, channel, maxBytes);
        journal.recover();
        return journal;
    }

    private void recover() throws IOException {
        long position = 0;
        long count = 0;
        long sampleCount = 0;
        while (true) {
            Record record = read(position);
            if (record == null) {
                break;
            }
            position = record.next;
            count++;
            sampleCount += record.batch.sampleCount();
        }
        if (position < channel.size()) {
            channel.truncate(position);
            channel.force(true);
        }
        end = position;
        records = count;
        samples = sampleCount;
    }

    /** Whether {@code batches} fit under the size limit. */
    public boolean hasRoomFor(List<SampleBatch> batches) {
        long bytes = 0;
        for (SampleBatch batch : batches) {
            bytes += HEADER + 4 + batch.bytes().length;
        }
        return end + bytes <= maxBytes;
    }

    /** Appends and syncs; when this returns the batches are durable. */
    public void append(List<SampleBatch> batches) throws IOException {
        long position = end;
        long sampleCount = 0;
        for (SampleBatch batch : batches) {
            CRC32C crc = new CRC32C();
            ByteBuffer source = ByteBuffer.allocate(4).putInt(0, batch.source());
            crc.update(source.duplicate());
            crc.update(batch.bytes());
            header.clear();
            header.putInt(4 + batch.bytes().length)
                    .putInt((int) crc.getValue())
                    .putInt(batch.source())
                    .flip();
            position += PositionalIo.writeFully(channel, header, position);
            position += PositionalIo.writeFully(channel, ByteBuffer.wrap(batch.bytes()), position);
            sampleCount += batch.sampleCount();
        }
        channel.force(false);
        end = position;
        records += batches.size();
        samples += sampleCount;
    }

    /** Up to {@code maxSamples} samples' worth of batches from {@code position} (at least one batch if any). */
    public Chunk read(long position, int maxSamples) throws IOException {
        List<SampleBatch> batches = new ArrayList<>();
        long next = position;
        int sampleCount = 0;
        while (next < end && (batches.isEmpty() || sampleCount < maxSamples)) {
            Record record = read(next);
            if (record == null) {
                throw new IOException("journal " + file + " is corrupt at " + next);
            }
            batches.add(record.batch);
            sampleCount += record.batch.sampleCount();
            next = record.next;
        }
        return new Chunk(batches, next);
    }

    private Record read(long position) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        if (PositionalIo.readFully(channel, head, position) < HEADER) {
            return null;
        }
        int length = head.getInt(0);
        int crc = head.getInt(4);
        if (length < 4 + SampleBatchDescriptor.SAMPLES_OFFSET || position + HEADER + length > channel.size()) {
            return null;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        if (PositionalIo.readFully(channel, body, position + HEADER) < length) {
            return null;
        }
        CRC32C check = new CRC32C();
        check.update(body.array(), 0, length);
        if ((int) check.getValue() != crc) {
            return null;
        }
        int source = body.getInt(0);
        byte[] bytes = Arrays.copyOfRange(body.array(), 4, length);
        return new Record(SampleBatch.of(source, bytes), position + HEADER + length);
    }

    /** Empties the journal once everything in it is stored. */
    public void clear() throws IOException {
        channel.truncate(0);
        channel.force(true);
        end = 0;
        records = 0;
        samples = 0;
    }

    public long end() {
        return end;
    }

    public boolean isEmpty() {
        return records == 0;
    }

    public long records() {
        return records;
    }

    /** Samples journaled and not yet known to be stored. */
    public long samples() {
        return samples;
    }

    @Override
    public String toString() {
        return file.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Batches read from the journal and the position after them. */
    public record Chunk(List<SampleBatch> batches, long next) {}

    private record Record(SampleBatch batch, long next) {}
}
