package io.sluice.protocol;

import static io.sluice.protocol.HeartbeatDescriptor.*;

import java.nio.ByteBuffer;

/** Reads HEARTBEAT. */
public final class HeartbeatReader extends FrameReader {
    public HeartbeatReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public HeartbeatReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long sentAtMillis() {
        return buffer.getLong(offset + SENT_AT_OFFSET);
    }

    public long echoMillis() {
        return buffer.getLong(offset + ECHO_OFFSET);
    }
}
