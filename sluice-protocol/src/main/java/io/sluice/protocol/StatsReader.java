package io.sluice.protocol;

import static io.sluice.protocol.StatsDescriptor.*;

import java.nio.ByteBuffer;

/** Reads STATS. */
public final class StatsReader extends FrameReader {
    private final VolumeStatsFlyweight record = new VolumeStatsFlyweight();

    public StatsReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public StatsReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    /** True when the report continues in the next STATS frame. */
    public boolean hasMore() {
        return (flags() & FrameDescriptor.FLAG_MORE) != 0;
    }

    public long reportSequence() {
        return buffer.getLong(offset + REPORT_SEQUENCE_OFFSET);
    }

    public long pollSequence() {
        return buffer.getLong(offset + POLL_SEQUENCE_OFFSET);
    }

    public long intervalStartMillis() {
        return buffer.getLong(offset + INTERVAL_START_OFFSET);
    }

    public int intervalMillis() {
        return buffer.getInt(offset + INTERVAL_LENGTH_OFFSET);
    }

    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    /** Record {@code index}, {@code 0 <= index < volumeCount()}; the same flyweight is returned each time. */
    public VolumeStatsFlyweight volume(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("volume " + index + " of " + volumeCount());
        }
        return record.wrap(buffer, offset + volumeOffset(index));
    }
}
