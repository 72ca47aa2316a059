package io.sluice.protocol;

import static io.sluice.protocol.HelloDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes HELLO. */
public final class HelloWriter extends FrameWriter {
    /**
     * Writes a HELLO saying the gateway's VOLUMES will carry {@code volumeCount} volumes.
     *
     * @return the frame's length, or 0 (nothing written) when it does not fit in {@code dst}
     */
    public int write(
            ByteBuffer dst, long sequence, long gatewayId, long capabilities, int volumeCount, String gatewayName) {
        byte[] name = gatewayName.getBytes(StandardCharsets.UTF_8);
        if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("gateway name must be 1.." + MAX_NAME_LENGTH + " bytes of UTF-8");
        }
        nonNegative(volumeCount);
        if (!begin(dst, FrameType.HELLO, frameLength(name.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putLong(offset + CAPABILITIES_OFFSET, capabilities);
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        buffer.putInt(offset + NAME_LENGTH_OFFSET, name.length);
        buffer.put(offset + NAME_OFFSET, name);
        return commit();
    }
}
