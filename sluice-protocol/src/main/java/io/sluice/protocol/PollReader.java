package io.sluice.protocol;

import static io.sluice.protocol.PollDescriptor.*;

import java.nio.ByteBuffer;

/** Reads POLL. */
public final class PollReader extends FrameReader {
    public PollReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public PollReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long pollSequence() {
        return buffer.getLong(offset + POLL_SEQUENCE_OFFSET);
    }

    public long monitorTimeMillis() {
        return buffer.getLong(offset + MONITOR_TIME_OFFSET);
    }
}
