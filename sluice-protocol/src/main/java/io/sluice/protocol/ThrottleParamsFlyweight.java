package io.sluice.protocol;

import static io.sluice.protocol.ThrottleSetDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Getters and setters over one volume's parameter set in a THROTTLE_SET frame (see {@link ThrottleSetDescriptor}). The
 * 32-bit fields are unsigned on the wire and read as {@code long}.
 */
public final class ThrottleParamsFlyweight {
    private ByteBuffer buffer;
    private int record;

    ThrottleParamsFlyweight wrap(ByteBuffer buffer, int record) {
        this.buffer = buffer;
        this.record = record;
        return this;
    }

    public int volumeId() {
        return buffer.getInt(record + VOLUME_ID_OFFSET);
    }

    public ThrottleParamsFlyweight volumeId(int volumeId) {
        buffer.putInt(record + VOLUME_ID_OFFSET, volumeId);
        return this;
    }

    public long version() {
        return buffer.getLong(record + VERSION_OFFSET);
    }

    /** The set's version, never 0 (the decoder refuses a set with version 0). */
    public ThrottleParamsFlyweight version(long version) {
        buffer.putLong(record + VERSION_OFFSET, version);
        return this;
    }

    public long weight() {
        return getUnsigned(WEIGHT_OFFSET);
    }

    public ThrottleParamsFlyweight weight(long weight) {
        return putUnsigned(WEIGHT_OFFSET, weight);
    }

    public long iopsLimit() {
        return getUnsigned(IOPS_LIMIT_OFFSET);
    }

    public ThrottleParamsFlyweight iopsLimit(long iops) {
        return putUnsigned(IOPS_LIMIT_OFFSET, iops);
    }

    public long readIopsLimit() {
        return getUnsigned(READ_IOPS_LIMIT_OFFSET);
    }

    public ThrottleParamsFlyweight readIopsLimit(long iops) {
        return putUnsigned(READ_IOPS_LIMIT_OFFSET, iops);
    }

    public long writeIopsLimit() {
        return getUnsigned(WRITE_IOPS_LIMIT_OFFSET);
    }

    public ThrottleParamsFlyweight writeIopsLimit(long iops) {
        return putUnsigned(WRITE_IOPS_LIMIT_OFFSET, iops);
    }

    public long reservedIops() {
        return getUnsigned(RESERVED_IOPS_OFFSET);
    }

    public ThrottleParamsFlyweight reservedIops(long iops) {
        return putUnsigned(RESERVED_IOPS_OFFSET, iops);
    }

    public long burstIops() {
        return getUnsigned(BURST_IOPS_OFFSET);
    }

    public ThrottleParamsFlyweight burstIops(long iops) {
        return putUnsigned(BURST_IOPS_OFFSET, iops);
    }

    public long burstLengthMillis() {
        return getUnsigned(BURST_LENGTH_OFFSET);
    }

    public ThrottleParamsFlyweight burstLengthMillis(long millis) {
        return putUnsigned(BURST_LENGTH_OFFSET, millis);
    }

    public long sizeNormalizationBytes() {
        return getUnsigned(SIZE_NORMALIZATION_OFFSET);
    }

    public ThrottleParamsFlyweight sizeNormalizationBytes(long bytes) {
        return putUnsigned(SIZE_NORMALIZATION_OFFSET, bytes);
    }

    public long latencyTargetMicros() {
        return getUnsigned(LATENCY_TARGET_OFFSET);
    }

    public ThrottleParamsFlyweight latencyTargetMicros(long micros) {
        return putUnsigned(LATENCY_TARGET_OFFSET, micros);
    }

    public long bandwidthLimit() {
        return buffer.getLong(record + BANDWIDTH_LIMIT_OFFSET);
    }

    public ThrottleParamsFlyweight bandwidthLimit(long bytesPerSecond) {
        buffer.putLong(record + BANDWIDTH_LIMIT_OFFSET, bytesPerSecond);
        return this;
    }

    public long readBandwidthLimit() {
        return buffer.getLong(record + READ_BANDWIDTH_LIMIT_OFFSET);
    }

    public ThrottleParamsFlyweight readBandwidthLimit(long bytesPerSecond) {
        buffer.putLong(record + READ_BANDWIDTH_LIMIT_OFFSET, bytesPerSecond);
        return this;
    }

    public long writeBandwidthLimit() {
        return buffer.getLong(record + WRITE_BANDWIDTH_LIMIT_OFFSET);
    }

    public ThrottleParamsFlyweight writeBandwidthLimit(long bytesPerSecond) {
        buffer.putLong(record + WRITE_BANDWIDTH_LIMIT_OFFSET, bytesPerSecond);
        return this;
    }

    public long reservedBandwidth() {
        return buffer.getLong(record + RESERVED_BANDWIDTH_OFFSET);
    }

    public ThrottleParamsFlyweight reservedBandwidth(long bytesPerSecond) {
        buffer.putLong(record + RESERVED_BANDWIDTH_OFFSET, bytesPerSecond);
        return this;
    }

    public long burstBandwidth() {
        return buffer.getLong(record + BURST_BANDWIDTH_OFFSET);
    }

    public ThrottleParamsFlyweight burstBandwidth(long bytesPerSecond) {
        buffer.putLong(record + BURST_BANDWIDTH_OFFSET, bytesPerSecond);
        return this;
    }

    private long getUnsigned(int field) {
        return buffer.getInt(record + field) & 0xFFFF_FFFFL;
    }

    private ThrottleParamsFlyweight putUnsigned(int field, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("out of 32-bit unsigned range: " + value);
        }
        buffer.putInt(record + field, (int) value);
        return this;
    }
}
