package io.sluice.protocol;

import static io.sluice.protocol.HeartbeatDescriptor.*;

import java.nio.ByteBuffer;

/** Writes HEARTBEAT. */
public final class HeartbeatWriter extends FrameWriter {
    /** Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. */
    public int write(ByteBuffer dst, long sequence, long gatewayId, long sentAtMillis, long echoMillis) {
        if (!begin(dst, FrameType.HEARTBEAT, FRAME_LENGTH, 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putLong(offset + SENT_AT_OFFSET, sentAtMillis);
        buffer.putLong(offset + ECHO_OFFSET, echoMillis);
        return commit();
    }
}
