package io.sluice.protocol;

import static io.sluice.protocol.VolumesDescriptor.*;

import java.nio.ByteBuffer;

/** Writes VOLUMES: {@link #begin}, one {@link #volume} per entry, {@link #commit()}. */
public final class VolumesWriter extends FrameWriter {
    /** Starts a VOLUMES of {@code volumeCount} entries; false (nothing written) when it does not fit in {@code dst}. */
    public boolean begin(ByteBuffer dst, long sequence, long gatewayId, int volumeCount) {
        if (!begin(
                dst,
                FrameType.VOLUMES,
                VOLUMES_OFFSET + nonNegative(volumeCount) * VolumeDescriptor.LENGTH,
                0,
                sequence,
                gatewayId)) {
            return false;
        }
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        return true;
    }

    /**
     * Sets entry {@code index}: the volume's proposed id, {@link VolumeDescriptor} flags, size and name (1..64 bytes).
     */
    public VolumesWriter volume(int index, int volumeId, int flags, long capacityBytes, String name) {
        int entry = entryOffset(index, VOLUME_COUNT_OFFSET, VOLUMES_OFFSET, VolumeDescriptor.LENGTH);
        VolumeDescriptor.write(buffer, entry, volumeId, flags, capacityBytes, name);
        return this;
    }
}
