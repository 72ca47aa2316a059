package io.sluice.protocol;

import static io.sluice.protocol.HelloDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes HELLO: {@link #begin}, one {@link #volume} per entry, {@link #commit()}. */
public final class HelloWriter extends FrameWriter {
    /**
     * Starts a HELLO announcing {@code volumeCount} volumes, whose entries are then set with {@link #volume}.
     *
     * @return false (nothing written) when the frame does not fit in {@code dst}
     */
    public boolean begin(ByteBuffer dst, long sequence, long gatewayId, long capabilities, int volumeCount,
                         String gatewayName) {
        byte[] name = gatewayName.getBytes(StandardCharsets.UTF_8);
        if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("gateway name must be 1.." + MAX_NAME_LENGTH + " bytes of UTF-8");
        }
        long length = VOLUMES_OFFSET + nonNegative(volumeCount) * VolumeDescriptor.LENGTH + name.length;
        if (!begin(dst, FrameType.HELLO, length, 0, sequence, gatewayId)) {
            return false;
        }
        buffer.putLong(offset + CAPABILITIES_OFFSET, capabilities);
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        buffer.putInt(offset + NAME_LENGTH_OFFSET, name.length);
        buffer.put(offset + volumeOffset(volumeCount), name);
        return true;
    }

    /** Sets entry {@code index}: the volume's id, {@link VolumeDescriptor} flags, size and name (1..64 bytes). */
    public HelloWriter volume(int index, int volumeId, int flags, long capacityBytes, String name) {
        int entry = entryOffset(index, VOLUME_COUNT_OFFSET, VOLUMES_OFFSET, VolumeDescriptor.LENGTH);
        VolumeDescriptor.write(buffer, entry, volumeId, flags, capacityBytes, name);
        return this;
    }
}
