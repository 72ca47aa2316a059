package io.sluice.protocol;

import static io.sluice.protocol.ThrottleSetDescriptor.*;

import java.nio.ByteBuffer;

/** Reads THROTTLE_SET. */
public final class ThrottleSetReader extends FrameReader {
    private final ThrottleParamsFlyweight params = new ThrottleParamsFlyweight();

    public ThrottleSetReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public ThrottleSetReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long commandId() {
        return buffer.getLong(offset + COMMAND_ID_OFFSET);
    }

    /** The sending monitor's fencing epoch, 0..2^63-1. */
    public long epoch() {
        return buffer.getLong(offset + EPOCH_OFFSET);
    }

    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    /** Parameter set {@code index}, {@code 0 <= index < volumeCount()}; the same flyweight is returned each time. */
    public ThrottleParamsFlyweight volume(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("volume " + index + " of " + volumeCount());
        }
        return params.wrap(buffer, offset + volumeOffset(index));
    }
}
