package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * EVENT: something the gateway reports without being asked.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 10                |  0
 *  +---------------------------------------------------------------+
 *  |        occurred at, epoch ms (gateway clock)                  | 24
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |        kind (EventKind)       |   message length (0..512)     | 32
 *  +-------------------------------+-------------------------------+
 *  |        error code (BACKEND_ERROR: errno or backend status)    | 36
 *  +---------------------------------------------------------------+
 *  |        used bytes (CAPACITY_WARNING, NEW_VOLUME)              | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        the volume (VolumeDescriptor, 80 bytes)                | 48
 *  +---------------------------------------------------------------+
 *  |        message: UTF-8, for people                             | 128
 *  +---------------------------------------------------------------+ 128 + message length
 * </pre>
 *
 * Every kind is about one volume, so the volume entry is always there: for NEW_VOLUME it is the whole announcement (as
 * VOLUMES would have carried it), for the others it says which volume and how big.
 */
public final class EventDescriptor {
    public static final int OCCURRED_AT_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int KIND_OFFSET = OCCURRED_AT_OFFSET + 8;
    public static final int MESSAGE_LENGTH_OFFSET = KIND_OFFSET + 2;
    public static final int ERROR_CODE_OFFSET = MESSAGE_LENGTH_OFFSET + 2;
    public static final int USED_OFFSET = ERROR_CODE_OFFSET + 4;
    public static final int VOLUME_OFFSET = USED_OFFSET + 8;
    public static final int MESSAGE_OFFSET = VOLUME_OFFSET + VolumeDescriptor.LENGTH;
    public static final int MAX_MESSAGE_LENGTH = 512;

    private EventDescriptor() {}

    public static int frameLength(int messageLength) {
        return MESSAGE_OFFSET + messageLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < MESSAGE_OFFSET) {
            return false;
        }
        int messageLength = buffer.getShort(frame + MESSAGE_LENGTH_OFFSET) & 0xFFFF;
        return EventKind.fromCode(buffer.getShort(frame + KIND_OFFSET) & 0xFFFF) != null
                && messageLength <= MAX_MESSAGE_LENGTH
                && frameLength == frameLength(messageLength)
                && VolumeDescriptor.isWellFormed(buffer, frame + VOLUME_OFFSET);
    }
}
