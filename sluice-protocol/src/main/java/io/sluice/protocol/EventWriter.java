package io.sluice.protocol;

import static io.sluice.protocol.EventDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes EVENT. */
public final class EventWriter extends FrameWriter {
    /**
     * Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit.
     *
     * @param errorCode BACKEND_ERROR's errno or backend status, otherwise 0
     * @param usedBytes the volume's backend usage
     * @param message 0..512 bytes of UTF-8 for people
     */
    public int write(
            ByteBuffer dst,
            long sequence,
            long gatewayId,
            EventKind kind,
            long occurredAtMillis,
            int errorCode,
            long usedBytes,
            int volumeId,
            int volumeFlags,
            long capacityBytes,
            String volumeName,
            String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("message longer than " + MAX_MESSAGE_LENGTH + " bytes");
        }
        if (!begin(dst, FrameType.EVENT, frameLength(text.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putLong(offset + OCCURRED_AT_OFFSET, occurredAtMillis);
        buffer.putShort(offset + KIND_OFFSET, (short) kind.code());
        buffer.putShort(offset + MESSAGE_LENGTH_OFFSET, (short) text.length);
        buffer.putInt(offset + ERROR_CODE_OFFSET, errorCode);
        buffer.putLong(offset + USED_OFFSET, usedBytes);
        VolumeDescriptor.write(buffer, offset + VOLUME_OFFSET, volumeId, volumeFlags, capacityBytes, volumeName);
        buffer.put(offset + MESSAGE_OFFSET, text);
        return commit();
    }
}
