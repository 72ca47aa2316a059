package io.sluice.protocol;

import static io.sluice.protocol.SampleBatchDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Reads and writes a sample batch (see {@link SampleBatchDescriptor}) in place: {@link #wrap} a buffer, then select a
 * sample with {@link #sample} and use its getters and setters. Allocates nothing.
 */
public final class SampleBatchFlyweight {
    private ByteBuffer buffer;
    private int base;
    private int sample;

    /** Wraps the batch that starts at {@code offset}. */
    public SampleBatchFlyweight wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.base = offset;
        this.sample = offset + SAMPLES_OFFSET;
        return this;
    }

    /** Starts an empty batch; returns this for chaining. */
    public SampleBatchFlyweight begin(long batchId) {
        buffer.putLong(base + BATCH_ID_OFFSET, batchId);
        buffer.putInt(base + COUNT_OFFSET, 0);
        buffer.putInt(base + COUNT_OFFSET + 4, 0);
        return this;
    }

    /**
     * Whether the wrapped region of {@code length} bytes is a well-formed batch: the header fits, the count matches the
     * length exactly, every direction code is known.
     */
    public boolean isWellFormed(int length) {
        if (length < SAMPLES_OFFSET) {
            return false;
        }
        long count = buffer.getInt(base + COUNT_OFFSET) & 0xFFFF_FFFFL;
        if (SAMPLES_OFFSET + count * SAMPLE_LENGTH != length) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            int direction = buffer.getInt(base + sampleOffset(i) + DIRECTION_OFFSET);
            if (direction != 0 && direction != 1) {
                return false;
            }
        }
        return true;
    }

    public long batchId() {
        return buffer.getLong(base + BATCH_ID_OFFSET);
    }

    public int count() {
        return buffer.getInt(base + COUNT_OFFSET);
    }

    /** Bytes the batch occupies with its current count. */
    public int length() {
        return batchLength(count());
    }

    /** Appends a zeroed sample, selects it and returns this; the caller checks capacity first. */
    public SampleBatchFlyweight append() {
        int index = count();
        buffer.putInt(base + COUNT_OFFSET, index + 1);
        sample(index);
        for (int i = 0; i < SAMPLE_LENGTH; i += 8) {
            buffer.putLong(sample + i, 0L);
        }
        return this;
    }

    /** Selects sample {@code index} for the getters and setters. */
    public SampleBatchFlyweight sample(int index) {
        sample = base + sampleOffset(index);
        return this;
    }

    public int volumeId() {
        return buffer.getInt(sample + VOLUME_ID_OFFSET);
    }

    public SampleBatchFlyweight volumeId(int volumeId) {
        buffer.putInt(sample + VOLUME_ID_OFFSET, volumeId);
        return this;
    }

    public IoDirection direction() {
        return buffer.getInt(sample + DIRECTION_OFFSET) == 0 ? IoDirection.READ : IoDirection.WRITE;
    }

    public SampleBatchFlyweight direction(IoDirection direction) {
        buffer.putInt(sample + DIRECTION_OFFSET, direction == IoDirection.READ ? 0 : 1);
        return this;
    }

    public long gatewayId() {
        return buffer.getLong(sample + GATEWAY_ID_OFFSET);
    }

    public SampleBatchFlyweight gatewayId(long gatewayId) {
        buffer.putLong(sample + GATEWAY_ID_OFFSET, gatewayId);
        return this;
    }

    public long intervalStartMillis() {
        return buffer.getLong(sample + INTERVAL_START_OFFSET);
    }

    public SampleBatchFlyweight intervalStartMillis(long millis) {
        buffer.putLong(sample + INTERVAL_START_OFFSET, millis);
        return this;
    }

    public int intervalLengthMillis() {
        return buffer.getInt(sample + INTERVAL_LENGTH_OFFSET);
    }

    public SampleBatchFlyweight intervalLengthMillis(int millis) {
        buffer.putInt(sample + INTERVAL_LENGTH_OFFSET, millis);
        return this;
    }

    public int queueDepth() {
        return buffer.getInt(sample + QUEUE_DEPTH_OFFSET);
    }

    public SampleBatchFlyweight queueDepth(int depth) {
        buffer.putInt(sample + QUEUE_DEPTH_OFFSET, depth);
        return this;
    }

    public long ops() {
        return buffer.getLong(sample + OPS_OFFSET);
    }

    public SampleBatchFlyweight ops(long ops) {
        buffer.putLong(sample + OPS_OFFSET, ops);
        return this;
    }

    public long bytes() {
        return buffer.getLong(sample + BYTES_OFFSET);
    }

    public SampleBatchFlyweight bytes(long bytes) {
        buffer.putLong(sample + BYTES_OFFSET, bytes);
        return this;
    }

    public long throttledOps() {
        return buffer.getLong(sample + THROTTLED_OPS_OFFSET);
    }

    public SampleBatchFlyweight throttledOps(long ops) {
        buffer.putLong(sample + THROTTLED_OPS_OFFSET, ops);
        return this;
    }

    public long latencySumMicros() {
        return buffer.getLong(sample + LATENCY_SUM_OFFSET);
    }

    public SampleBatchFlyweight latencySumMicros(long micros) {
        buffer.putLong(sample + LATENCY_SUM_OFFSET, micros);
        return this;
    }

    public long iopsLimit() {
        return buffer.getLong(sample + IOPS_LIMIT_OFFSET);
    }

    public SampleBatchFlyweight iopsLimit(long iops) {
        buffer.putLong(sample + IOPS_LIMIT_OFFSET, iops);
        return this;
    }

    /** Count in bucket {@code bucket}, unsigned. */
    public long latencyBucket(int bucket) {
        return buffer.getInt(sample + BUCKETS_OFFSET + bucket * 4) & 0xFFFF_FFFFL;
    }

    /** Sets a bucket's count; counts above 2^32 - 1 saturate. */
    public SampleBatchFlyweight latencyBucket(int bucket, long count) {
        buffer.putInt(sample + BUCKETS_OFFSET + bucket * 4, (int) Math.min(count, 0xFFFF_FFFFL));
        return this;
    }
}
