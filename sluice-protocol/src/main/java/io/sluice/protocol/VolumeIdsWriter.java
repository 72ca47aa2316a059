package io.sluice.protocol;

import static io.sluice.protocol.VolumeIdsDescriptor.*;

import java.nio.ByteBuffer;

/** Writes VOLUME_IDS. */
public final class VolumeIdsWriter extends FrameWriter {
    /**
     * Writes the first {@code count} of {@code volumeIds}; returns the frame's length, or 0 (nothing written) when it
     * does not fit.
     */
    public int write(ByteBuffer dst, long sequence, long gatewayId, int[] volumeIds, int count) {
        if (!begin(dst, FrameType.VOLUME_IDS, VOLUME_IDS_OFFSET + 4 * nonNegative(count), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, count);
        for (int i = 0; i < count; i++) {
            buffer.putInt(offset + VOLUME_IDS_OFFSET + 4 * i, volumeIds[i]);
        }
        return commit();
    }
}
