package io.sluice.protocol;

import static io.sluice.protocol.ThrottleSetDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Writes THROTTLE_SET: {@link #begin}, fill each {@link #volume} parameter set (at least its volume id and a non-zero
 * version) and, from a monitor, the {@link #epoch}, {@link #commit()}. Fields left alone are 0: no limit, epoch 0.
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

    /** Stamps the frame begun with the sending monitor's fencing epoch, 0..2^63-1. */
    public ThrottleSetWriter epoch(long epoch) {
        if (buffer == null) {
            throw new IllegalStateException("no frame begun");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epochs are 0..2^63-1: " + epoch);
        }
        buffer.putLong(offset + EPOCH_OFFSET, epoch);
        return this;
    }

    /** Parameter set {@code index} of the frame begun, to set; the same flyweight is returned each time. */
    public ThrottleParamsFlyweight volume(int index) {
        return params.wrap(buffer, entryOffset(index, VOLUME_COUNT_OFFSET, VOLUMES_OFFSET, VOLUME_RECORD_LENGTH));
    }
}
