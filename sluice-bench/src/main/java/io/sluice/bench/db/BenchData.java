package io.sluice.bench.db;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import java.nio.ByteBuffer;

/** Sample batches shaped like the services' output: volume after volume, both directions, one second each. */
final class BenchData {
    private BenchData() {}

    /**
     * A batch of {@code samples} samples starting at running sample number {@code first}: sample k is volume
     * {@code firstVolume + (k / 2) % volumes}, direction k % 2, second {@code k / (2 * volumes)} after {@code t0}.
     */
    static byte[] batch(long batchId, long first, int samples, int firstVolume, int volumes, long t0) {
        ByteBuffer buffer = ByteBuffer.allocate(SampleBatchDescriptor.batchLength(samples));
        SampleBatchFlyweight batch = new SampleBatchFlyweight().wrap(buffer, 0).begin(batchId);
        for (long k = first; k < first + samples; k++) {
            int volume = firstVolume + (int) ((k / 2) % volumes);
            long ops = 50 + (k % 97);
            batch.append()
                    .volumeId(volume)
                    .direction(k % 2 == 0 ? IoDirection.READ : IoDirection.WRITE)
                    .gatewayId(1 + volume % 16)
                    .intervalStartMillis(t0 + (k / (2L * volumes)) * 1000L)
                    .intervalLengthMillis(1000)
                    .queueDepth(8)
                    .ops(ops)
                    .bytes(ops * 4096)
                    .throttledOps(k % 5)
                    .latencySumMicros(ops * 400)
                    .iopsLimit(10_000)
                    .latencyBucket(7, ops / 2)
                    .latencyBucket(8, ops / 3)
                    .latencyBucket(9, ops - ops / 2 - ops / 3 - 1)
                    .latencyBucket(13, 1);
        }
        return buffer.array();
    }
}
