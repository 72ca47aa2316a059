package io.sluice.db;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import java.nio.ByteBuffer;

/** Sample batches for tests: deterministic values derived from volume and time. */
public final class Batches {
    private Batches() {}

    /** {@code volumes} volumes x 2 directions at second {@code t}, as one batch. */
    public static byte[] batch(long batchId, int firstVolume, int volumes, long t) {
        ByteBuffer buffer = ByteBuffer.allocate(SampleBatchDescriptor.batchLength(volumes * 2));
        SampleBatchFlyweight batch = new SampleBatchFlyweight().wrap(buffer, 0).begin(batchId);
        for (int v = firstVolume; v < firstVolume + volumes; v++) {
            for (IoDirection direction : IoDirection.values()) {
                batch.append()
                        .volumeId(v)
                        .direction(direction)
                        .gatewayId(7)
                        .intervalStartMillis(t)
                        .intervalLengthMillis(1000)
                        .queueDepth(4)
                        .ops(100 + v)
                        .bytes((100L + v) * 4096)
                        .throttledOps(1)
                        .latencySumMicros((100L + v) * 300)
                        .iopsLimit(5000)
                        .latencyBucket(8, 90 + v)
                        .latencyBucket(10, 10);
            }
        }
        return buffer.array();
    }
}
