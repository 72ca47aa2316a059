package io.sluice.protocol;

import static io.sluice.protocol.StatsDescriptor.*;

import java.nio.ByteBuffer;

/** Getters and setters over one volume record of a STATS frame (see {@link StatsDescriptor}). */
public final class VolumeStatsFlyweight {
    private ByteBuffer buffer;
    private int record;

    VolumeStatsFlyweight wrap(ByteBuffer buffer, int record) {
        this.buffer = buffer;
        this.record = record;
        return this;
    }

    public int volumeId() {
        return buffer.getInt(record + VOLUME_ID_OFFSET);
    }

    public VolumeStatsFlyweight volumeId(int volumeId) {
        buffer.putInt(record + VOLUME_ID_OFFSET, volumeId);
        return this;
    }

    public int queueDepth() {
        return buffer.getInt(record + QUEUE_DEPTH_OFFSET);
    }

    public VolumeStatsFlyweight queueDepth(int queueDepth) {
        buffer.putInt(record + QUEUE_DEPTH_OFFSET, queueDepth);
        return this;
    }

    public long throttleVersion() {
        return buffer.getLong(record + THROTTLE_VERSION_OFFSET);
    }

    public VolumeStatsFlyweight throttleVersion(long version) {
        buffer.putLong(record + THROTTLE_VERSION_OFFSET, version);
        return this;
    }

    public long capacityBytes() {
        return buffer.getLong(record + CAPACITY_OFFSET);
    }

    public VolumeStatsFlyweight capacityBytes(long bytes) {
        buffer.putLong(record + CAPACITY_OFFSET, bytes);
        return this;
    }

    public long usedBytes() {
        return buffer.getLong(record + USED_OFFSET);
    }

    public VolumeStatsFlyweight usedBytes(long bytes) {
        buffer.putLong(record + USED_OFFSET, bytes);
        return this;
    }

    public long ops(IoDirection direction) {
        return buffer.getLong(at(direction) + OPS_OFFSET);
    }

    public VolumeStatsFlyweight ops(IoDirection direction, long ops) {
        buffer.putLong(at(direction) + OPS_OFFSET, ops);
        return this;
    }

    public long bytes(IoDirection direction) {
        return buffer.getLong(at(direction) + BYTES_OFFSET);
    }

    public VolumeStatsFlyweight bytes(IoDirection direction, long bytes) {
        buffer.putLong(at(direction) + BYTES_OFFSET, bytes);
        return this;
    }

    public long throttledOps(IoDirection direction) {
        return buffer.getLong(at(direction) + THROTTLED_OPS_OFFSET);
    }

    public VolumeStatsFlyweight throttledOps(IoDirection direction, long ops) {
        buffer.putLong(at(direction) + THROTTLED_OPS_OFFSET, ops);
        return this;
    }

    public long throttledNanos(IoDirection direction) {
        return buffer.getLong(at(direction) + THROTTLED_NANOS_OFFSET);
    }

    public VolumeStatsFlyweight throttledNanos(IoDirection direction, long nanos) {
        buffer.putLong(at(direction) + THROTTLED_NANOS_OFFSET, nanos);
        return this;
    }

    public long latencySumMicros(IoDirection direction) {
        return buffer.getLong(at(direction) + LATENCY_SUM_OFFSET);
    }

    public VolumeStatsFlyweight latencySumMicros(IoDirection direction, long micros) {
        buffer.putLong(at(direction) + LATENCY_SUM_OFFSET, micros);
        return this;
    }

    /** Count in bucket {@code bucket} (see {@link LatencyBuckets}), unsigned. */
    public long latencyBucket(IoDirection direction, int bucket) {
        return buffer.getInt(bucketAt(direction, bucket)) & 0xFFFF_FFFFL;
    }

    /** Sets a bucket's count; counts above 2^32 - 1 saturate rather than wrap. */
    public VolumeStatsFlyweight latencyBucket(IoDirection direction, int bucket, long count) {
        buffer.putInt(bucketAt(direction, bucket), (int) Math.min(count, 0xFFFF_FFFFL));
        return this;
    }

    private int at(IoDirection direction) {
        return record + direction.recordOffset();
    }

    private int bucketAt(IoDirection direction, int bucket) {
        if (bucket < 0 || bucket >= LatencyBuckets.COUNT) {
            throw new IndexOutOfBoundsException("bucket " + bucket);
        }
        return at(direction) + BUCKETS_OFFSET + bucket * Integer.BYTES;
    }
}
