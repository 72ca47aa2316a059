package io.sluice.protocol;

import static io.sluice.protocol.ThrottleSetDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Writes THROTTLE_SET: {@link #begin}, fill each {@link #volume} parameter set (at least its volume id
 * and a non-zero version), {@link #commit()}. Fields left alone are 0: no limit.
 */
public final class ThrottleSetWriter extends FrameWriter {
    private final ThrottleParamsFlyweight params = new ThrottleParamsFlyweight();

    /** Starts a THROTTLE_SET of {@code volumeCount} sets; false (nothing written) when it does not fit. */
    public boolean begin(ByteBuffer dst, long sequence, long gatewayId, long commandId, int volumeCount) {
        long length = VOLUMES_OFFSET + nonNegative(volumeCount) * VOLUME_RECORD_LENGTH;
        if (!begin(dst, FrameType.THROTTLE_SET, length, 0, sequence, gatewayId)) {
            return false;
        }
        buffer.putLong(offset + COMMAND_ID_OFFSET, commandId);
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        return true;
    }

    /** Parameter set {@code index} of the frame begun, to set; the same flyweight is returned each time. */
    public ThrottleParamsFlyweight volume(int index) {
        return params.wrap(buffer, entryOffset(index, VOLUME_COUNT_OFFSET, VOLUMES_OFFSET, VOLUME_RECORD_LENGTH));
    }
}
