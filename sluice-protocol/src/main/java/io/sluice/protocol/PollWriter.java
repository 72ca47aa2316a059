package io.sluice.protocol;

import static io.sluice.protocol.PollDescriptor.*;

import java.nio.ByteBuffer;

/** Writes POLL. */
public final class PollWriter extends FrameWriter {
    /** Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. */
    public int write(ByteBuffer dst, long sequence, long gatewayId, long pollSequence, long monitorTimeMillis) {
        if (!begin(dst, FrameType.POLL, FRAME_LENGTH, 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putLong(offset + POLL_SEQUENCE_OFFSET, pollSequence);
        buffer.putLong(offset + MONITOR_TIME_OFFSET, monitorTimeMillis);
        return commit();
    }
}
