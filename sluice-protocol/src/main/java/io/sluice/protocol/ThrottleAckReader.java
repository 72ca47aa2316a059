package io.sluice.protocol;

import static io.sluice.protocol.ThrottleAckDescriptor.*;

import java.nio.ByteBuffer;

/** Reads THROTTLE_ACK. Results are read by index, {@code 0 <= index < volumeCount()}. */
public final class ThrottleAckReader extends FrameReader {
    public ThrottleAckReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public ThrottleAckReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long commandId() {
        return buffer.getLong(offset + COMMAND_ID_OFFSET);
    }

    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    public int volumeId(int index) {
        return buffer.getInt(result(index) + VOLUME_ID_OFFSET);
    }

    public ThrottleAckStatus status(int index) {
        return ThrottleAckStatus.fromCode(buffer.getInt(result(index) + STATUS_OFFSET));
    }

    public long versionInForce(int index) {
        return buffer.getLong(result(index) + VERSION_OFFSET);
    }

    private int result(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("result " + index + " of " + volumeCount());
        }
        return offset + resultOffset(index);
    }
}
