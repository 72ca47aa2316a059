package io.sluice.db.ingest;

import io.sluice.common.PrivateFiles;
import io.sluice.protocol.SampleBatchDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal of one open minute (one part of it): the batches, cut to that minute's samples, in
 * {@link SampleJournal}'s record format, synced before they are acknowledged and deleted once the minute is in the
 * database.
 *
 * <pre>
 *  file:   &lt;minute start&gt;-&lt;part&gt;.journal, 0600 in a 0700 directory
 *  record: | length (4, of what follows the CRC) | CRC32C (4, of what follows) | caller index (4) | batch bytes |
 * </pre>
 *
 * A write cut short leaves a torn last record (short, failing its CRC, or zeros to the end): it was never synced, so
 * never acknowledged, and opening cuts it. A record that fails while records follow it is damage, not a torn write:
 * opening then throws {@link CorruptJournalException} with the records before it. Owned by the ingestion thread.
 */
final class MinuteSegment implements AutoCloseable {
    static final String SUFFIX = ".journal";
    private static final int HEADER = 8;
    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER + 4);
    private final CRC32C crc = new CRC32C();
    private long end;
    private boolean dirty;

    private MinuteSegment(Path file, FileChannel channel, long end) {
        this.file = file;
        this.channel = channel;
        this.end = end;
    }

    static Path file(Path dir, long start, long part) {
        return dir.resolve(start + "-" + part + SUFFIX);
    }

    /** Creates (or truncates) the segment of {@code start}/{@code part}. */
    static MinuteSegment create(Path dir, long start, long part) throws IOException {
        PrivateFiles.ensureDirectory(dir);
        Path file = file(dir, start, part);
        FileChannel channel = FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        PrivateFiles.ensureFile(file);
        return new MinuteSegment(file, channel, 0);
    }

    /** Opens a segment {@link #read} has checked, for appending after its last record. */
    static MinuteSegment reopen(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new MinuteSegment(file, channel, channel.size());
    }

    /**
     * Reads a segment a previous run left: its records, the torn tail cut; {@link CorruptJournalException} when it is
     * damaged before its end (the file is left as it is).
     */
    static List<Record> read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            List<Record> records = new ArrayList<>();
            long position = 0;
            while (position < size) {
                Record record = read(channel, position, size);
                if (record == null) {
                    if (!isTornTail(channel, position, size)) {
                        throw new CorruptJournalException(file, position, records);
                    }
                    channel.truncate(position);
                    channel.force(true);
                    break;
                }
                records.add(record);
                position = record.next;
            }
            return records;
        }
    }

    /**
     * Whether the bad record at {@code position} is a write cut short: its header or body runs past the end, it is the
     * last record, or nothing but zeros follows (a file extended before its data reached the disk).
     */
    private static boolean isTornTail(FileChannel channel, long position, long size) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        if (PositionalIo.readFully(channel, head, position) < HEADER) {
            return true;
        }
        long length = head.getInt(0) & 0xFFFF_FFFFL;
        if (position + HEADER + length >= size) {
            return true;
        }
        ByteBuffer rest = ByteBuffer.allocate(64 * 1024);
        for (long p = position; p < size; ) {
            rest.clear();
            int n = channel.read(rest, p);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (rest.get(i) != 0) {
                    return false;
                }
            }
            p += n;
        }
        return true;
    }

    private static Record read(FileChannel channel, long position, long size) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        if (PositionalIo.readFully(channel, head, position) < HEADER) {
            return null;
        }
        int length = head.getInt(0);
        if (length < 4 + SampleBatchDescriptor.SAMPLES_OFFSET || position + HEADER + length > size) {
            return null;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        if (PositionalIo.readFully(channel, body, position + HEADER) < length) {
            return null;
        }
        CRC32C check = new CRC32C();
        check.update(body.array(), 0, length);
        if ((int) check.getValue() != head.getInt(4)) {
            return null;
        }
        byte[] bytes = Arrays.copyOfRange(body.array(), 4, length);
        if (SampleBatchDescriptor.batchLength(ByteBuffer.wrap(bytes).getInt(SampleBatchDescriptor.COUNT_OFFSET))
                != bytes.length) {
            return null;
        }
        return new Record(body.getInt(0), bytes, position + HEADER + length);
    }

    /** Appends one record; durable after the next {@link #force}. */
    void append(int source, byte[] batch) throws IOException {
        crc.reset();
        header.clear();
        header.putInt(4 + batch.length).putInt(0).putInt(source).flip();
        crc.update(header.array(), HEADER, 4);
        crc.update(batch, 0, batch.length);
        header.putInt(4, (int) crc.getValue());
        long position = end;
        position += PositionalIo.writeFully(channel, header, position);
        position += PositionalIo.writeFully(channel, ByteBuffer.wrap(batch), position);
        end = position;
        dirty = true;
    }

    /** Syncs what was appended since the last call. */
    void force() throws IOException {
        if (dirty) {
            channel.force(false);
            dirty = false;
        }
    }

    /** Closes and removes the file: its minute is in the database. */
    void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return file.toString();
    }

    /** One record: the caller index and the batch bytes (that minute's samples only), and where the next starts. */
    record Record(int source, byte[] batch, long next) {}
}
