package io.sluice.db.store;

import io.sluice.protocol.SampleBatchDescriptor;
import java.nio.ByteBuffer;

/**
 * One sample batch as the caller sent it (the bytes of {@link SampleBatchDescriptor}, big-endian), with the caller
 * index it came from: batch ids are unique per caller, so the pair deduplicates.
 */
public record SampleBatch(int source, long batchId, byte[] bytes) {
    public static SampleBatch of(int source, byte[] bytes) {
        return new SampleBatch(source, ByteBuffer.wrap(bytes).getLong(SampleBatchDescriptor.BATCH_ID_OFFSET), bytes);
    }

    public int sampleCount() {
        return ByteBuffer.wrap(bytes).getInt(SampleBatchDescriptor.COUNT_OFFSET);
    }
}
