package io.sluice.protocol;

import static io.sluice.protocol.FrameDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Base of the per-type readers: a flyweight over one frame in a big-endian buffer, reused from frame to frame and never
 * retained. Readers trust the frame's layout, so wrap only frames a {@link FrameDecoder} returned (or that were copied
 * intact from one).
 */
public abstract class FrameReader {
    ByteBuffer buffer;
    int offset;

    FrameReader() {}

    void wrapFrame(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
    }

    public final int frameLength() {
        return buffer.getInt(offset + LENGTH_OFFSET);
    }

    public final int flags() {
        return buffer.getShort(offset + FLAGS_OFFSET) & 0xFFFF;
    }

    public final long sequence() {
        return buffer.getLong(offset + SEQUENCE_OFFSET);
    }

    public final long gatewayId() {
        return buffer.getLong(offset + GATEWAY_ID_OFFSET);
    }
}
