package io.sluice.db.store;

import static io.sluice.db.store.MinuteSamplesDescriptor.*;

import io.sluice.protocol.SampleBatchDescriptor;
import java.nio.ByteBuffer;

/**
 * Reads and writes a {@code minute_samples} body ({@link MinuteSamplesDescriptor}) in place: {@link #wrap} a buffer,
 * {@link #begin} a minute, put samples at each {@link #sampleOffset} and set their {@link #count(int)}, or read
 * {@link #count()} and each sample. Allocates nothing.
 */
public final class MinuteSamplesFlyweight {
    private ByteBuffer buffer;
    private int base;

    public MinuteSamplesFlyweight wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.base = offset;
        return this;
    }

    public MinuteSamplesFlyweight begin(long minute) {
        buffer.putLong(base + MINUTE_OFFSET, minute);
        buffer.putInt(base + COUNT_OFFSET, 0);
        buffer.putInt(base + COUNT_OFFSET + 4, 0);
        return this;
    }

    /** Whether the wrapped region of {@code length} bytes holds exactly its count of samples. */
    public boolean isWellFormed(int length) {
        if (length < SAMPLES_OFFSET) {
            return false;
        }
        long count = buffer.getInt(base + COUNT_OFFSET) & 0xFFFF_FFFFL;
        return SAMPLES_OFFSET + count * SAMPLE_LENGTH == length;
    }

    public long minute() {
        return buffer.getLong(base + MINUTE_OFFSET);
    }

    public int count() {
        return buffer.getInt(base + COUNT_OFFSET);
    }

    /**
     * The absolute offset of sample {@code index} in the wrapped buffer (fields at {@link SampleBatchDescriptor}'s).
     */
    public int sampleOffset(int index) {
        return base + MinuteSamplesDescriptor.sampleOffset(index);
    }

    /** Sets the count once the samples are in place (at {@link #sampleOffset} 0 to count - 1). */
    public MinuteSamplesFlyweight count(int count) {
        buffer.putInt(base + COUNT_OFFSET, count);
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }
}
