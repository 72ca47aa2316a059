package io.sluice.protocol;

import static io.sluice.protocol.ThrottleAckDescriptor.*;

import java.nio.ByteBuffer;

/** Writes THROTTLE_ACK: {@link #begin}, one {@link #result} per volume of the set, {@link #commit()}. */
public final class ThrottleAckWriter extends FrameWriter {
    /** Starts a THROTTLE_ACK of {@code volumeCount} results; false (nothing written) when it does not fit. */
    public boolean begin(ByteBuffer dst, long sequence, long gatewayId, long commandId, int volumeCount) {
        long length = RESULTS_OFFSET + nonNegative(volumeCount) * RESULT_LENGTH;
        if (!begin(dst, FrameType.THROTTLE_ACK, length, 0, sequence, gatewayId)) {
            return false;
        }
        buffer.putLong(offset + COMMAND_ID_OFFSET, commandId);
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        return true;
    }

    public ThrottleAckWriter result(int index, int volumeId, ThrottleAckStatus status, long versionInForce) {
        int result = entryOffset(index, VOLUME_COUNT_OFFSET, RESULTS_OFFSET, RESULT_LENGTH);
        buffer.putInt(result + VOLUME_ID_OFFSET, volumeId);
        buffer.putInt(result + STATUS_OFFSET, status.code());
        buffer.putLong(result + VERSION_OFFSET, versionInForce);
        return this;
    }
}
