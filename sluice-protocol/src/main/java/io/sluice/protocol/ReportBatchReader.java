package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * Reads a {@link ReportBatchDescriptor} batch: {@link #wrap} checks the header and the index's place, {@link #check}
 * each entry before it is read with a {@link StatsReader} at {@link #entryOffset}. A damaged entry costs only itself; a
 * damaged index offset, the two entries it separates. Allocates nothing.
 */
public final class ReportBatchReader {
    private ByteBuffer buffer;
    private int count;
    private int indexStart;

    /**
     * Wraps the batch at offset 0 of {@code buffer}, of which {@code available} bytes are the call's parameters.
     * Returns null when the header can be trusted, else why the whole batch is refused.
     */
    public ReportBatchError wrap(ByteBuffer buffer, int available) {
        this.buffer = buffer;
        this.count = 0;
        if (available < ReportBatchDescriptor.HEADER_LENGTH || available > buffer.capacity()) {
            return ReportBatchError.TRUNCATED;
        }
        long length = buffer.getInt(ReportBatchDescriptor.LENGTH_OFFSET) & 0xFFFF_FFFFL;
        if (length < ReportBatchDescriptor.HEADER_LENGTH || length > available) {
            return ReportBatchError.TRUNCATED;
        }
        if ((buffer.getShort(ReportBatchDescriptor.VERSION_OFFSET) & 0xFFFF) != ReportBatchDescriptor.VERSION) {
            return ReportBatchError.WRONG_VERSION;
        }
        int entries = buffer.getShort(ReportBatchDescriptor.COUNT_OFFSET) & 0xFFFF;
        long index = length - (long) entries * ReportBatchDescriptor.INDEX_ENTRY_LENGTH;
        if (entries < 1 || entries > ReportBatchDescriptor.MAX_ENTRIES || index < ReportBatchDescriptor.HEADER_LENGTH) {
            return ReportBatchError.BAD_COUNT;
        }
        this.count = entries;
        this.indexStart = (int) index;
        return null;
    }

    /** Entries in the batch; 0 after a {@link #wrap} that refused it. */
    public int entryCount() {
        return count;
    }

    /** Where entry {@code index} starts, as the index says (trust it only after {@link #check} said null). */
    public int entryOffset(int index) {
        return buffer.getInt(indexStart + index * ReportBatchDescriptor.INDEX_ENTRY_LENGTH);
    }

    /** Entry {@code index}'s length: up to the next entry's offset, or the index for the last. */
    public int entryLength(int index) {
        int end = index + 1 < count ? entryOffset(index + 1) : indexStart;
        return end - entryOffset(index);
    }

    /** Null when entry {@code index} is a well-formed STATS frame in its place, else why it is refused. */
    public ReportBatchError check(int index) {
        long offset = entryOffset(index) & 0xFFFF_FFFFL;
        long end = index + 1 < count ? entryOffset(index + 1) & 0xFFFF_FFFFL : indexStart;
        if (offset < ReportBatchDescriptor.HEADER_LENGTH || end > indexStart || offset >= end) {
            return ReportBatchError.BAD_OFFSET;
        }
        int frame = (int) offset;
        int length = (int) (end - offset);
        if (length < StatsDescriptor.VOLUMES_OFFSET) {
            return ReportBatchError.LENGTH_MISMATCH;
        }
        if (buffer.getInt(frame + FrameDescriptor.LENGTH_OFFSET) != length) {
            return ReportBatchError.LENGTH_MISMATCH;
        }
        if ((buffer.get(frame + FrameDescriptor.VERSION_OFFSET) & 0xFF) != FrameDescriptor.PROTOCOL_VERSION
                || (buffer.get(frame + FrameDescriptor.TYPE_OFFSET) & 0xFF) != FrameType.STATS.code()) {
            return ReportBatchError.NOT_STATS;
        }
        if ((buffer.getShort(frame + FrameDescriptor.FLAGS_OFFSET) & ~FrameDescriptor.KNOWN_FLAGS) != 0
                || buffer.getLong(frame + FrameDescriptor.GATEWAY_ID_OFFSET) == 0
                || !StatsDescriptor.isWellFormed(buffer, frame, length)) {
            return ReportBatchError.MALFORMED_STATS;
        }
        return null;
    }
}
