package io.sluice.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Builds a {@link ReportBatchDescriptor} batch in a buffer the caller owns: {@link #reserve} an entry, write its frame
 * at the offset returned, and {@link #seal} when the batch goes. Bounded in bytes (the buffer's size) and in entries;
 * allocates nothing after construction.
 */
public final class ReportBatchWriter {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final int maxEntries;
    private final int[] offsets;
    private MemorySegment buffer;
    private int capacity;
    private int position;
    private int count;

    /** @param maxEntries at most this many entries a batch, 1..{@link ReportBatchDescriptor#MAX_ENTRIES} */
    public ReportBatchWriter(int maxEntries) {
        if (maxEntries < 1 || maxEntries > ReportBatchDescriptor.MAX_ENTRIES) {
            throw new IllegalArgumentException(
                    "entries per batch must be 1.." + ReportBatchDescriptor.MAX_ENTRIES + ": " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.offsets = new int[maxEntries];
    }

    /** Starts an empty batch in {@code buffer}, at most its size (and at most 2 GiB) long. */
    public ReportBatchWriter wrap(MemorySegment buffer) {
        this.buffer = buffer;
        this.capacity = (int) Math.min(Integer.MAX_VALUE, buffer.byteSize());
        return reset();
    }

    /** Empties the batch (after it went, or was given up). */
    public ReportBatchWriter reset() {
        position = ReportBatchDescriptor.HEADER_LENGTH;
        count = 0;
        return this;
    }

    /**
     * Makes room for an entry of {@code length} bytes and returns its offset in the buffer, or -1 when the batch is
     * full (in entries, or in bytes with the index that must follow); then seal it and start another.
     */
    public int reserve(int length) {
        if (count == maxEntries
                || length < 0
                || (long) position + length + (long) (count + 1) * ReportBatchDescriptor.INDEX_ENTRY_LENGTH
                        > capacity) {
            return -1;
        }
        int offset = position;
        offsets[count++] = offset;
        position += length;
        return offset;
    }

    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The offset of entry {@code index} in the buffer, {@code 0 <= index < count()}. */
    public int entryOffset(int index) {
        return offsets[index];
    }

    /**
     * Writes the index and the header; returns the batch's length. Entries may not be added after it until
     * {@link #reset}.
     */
    public int seal() {
        int length = position + count * ReportBatchDescriptor.INDEX_ENTRY_LENGTH;
        for (int i = 0; i < count; i++) {
            buffer.set(INT, position + (long) i * ReportBatchDescriptor.INDEX_ENTRY_LENGTH, offsets[i]);
        }
        buffer.set(INT, ReportBatchDescriptor.LENGTH_OFFSET, length);
        buffer.set(SHORT, ReportBatchDescriptor.VERSION_OFFSET, (short) ReportBatchDescriptor.VERSION);
        buffer.set(SHORT, ReportBatchDescriptor.COUNT_OFFSET, (short) count);
        return length;
    }
}
