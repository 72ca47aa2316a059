package io.sluice.protocol;

import static io.sluice.protocol.HelloDescriptor.*;

import java.nio.ByteBuffer;

/** Reads HELLO. */
public final class HelloReader extends FrameReader {
    public HelloReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public HelloReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long capabilities() {
        return buffer.getLong(offset + CAPABILITIES_OFFSET);
    }

    /**
     * How many volumes the gateway's VOLUMES will carry (unsigned: above {@link HelloDescriptor#MAX_VOLUMES} is
     * refused).
     */
    public long volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
    }

    public String gatewayName() {
        return ByteFields.getUtf8(buffer, offset + NAME_OFFSET, buffer.getInt(offset + NAME_LENGTH_OFFSET));
    }
}
