package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * HELLO, the gateway's first frame on a connection. The gateway id is the header's; the protocol version
 * it speaks is the header's version.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 1                 |  0
 *  +---------------------------------------------------------------+
 *  |        capabilities (Capabilities bits)                       | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        volume count                                           | 32
 *  +---------------------------------------------------------------+
 *  |        gateway name length (1..255)                           | 36
 *  +---------------------------------------------------------------+
 *  |        volume entries: count x 80 bytes (VolumeDescriptor)    | 40
 *  +---------------------------------------------------------------+
 *  |        gateway name: UTF-8 (host name or label, for people)   | 40 + 80 x count
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Frame length = 40 + 80 x volumes + name length: 1 MiB holds 13,000 volumes. A server supports
 * {@link #MAX_VOLUMES} volumes per gateway and refuses a HELLO announcing more (AUTH_RESULT REFUSED,
 * {@link AuthReason#TOO_MANY_VOLUMES}).
 */
public final class HelloDescriptor {
    public static final int CAPABILITIES_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int VOLUME_COUNT_OFFSET = CAPABILITIES_OFFSET + 8;
    public static final int NAME_LENGTH_OFFSET = VOLUME_COUNT_OFFSET + 4;
    public static final int VOLUMES_OFFSET = NAME_LENGTH_OFFSET + 4;
    public static final int MAX_NAME_LENGTH = 255;
    /**
     * The most volumes one gateway may serve through a server: a STATS report of this many (1.2 MiB)
     * still crosses in a few frames, and the services analyse them within one poll interval.
     */
    public static final int MAX_VOLUMES = 4096;

    private HelloDescriptor() {
    }

    public static int frameLength(int volumeCount, int nameLength) {
        return VOLUMES_OFFSET + volumeCount * VolumeDescriptor.LENGTH + nameLength;
    }

    public static int volumeOffset(int index) {
        return VOLUMES_OFFSET + index * VolumeDescriptor.LENGTH;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < VOLUMES_OFFSET) {
            return false;
        }
        long volumeCount = buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
        long nameLength = buffer.getInt(frame + NAME_LENGTH_OFFSET) & 0xFFFF_FFFFL;
        if (nameLength < 1 || nameLength > MAX_NAME_LENGTH
                || VOLUMES_OFFSET + volumeCount * VolumeDescriptor.LENGTH + nameLength != frameLength) {
            return false;
        }
        for (int i = 0; i < volumeCount; i++) {
            if (!VolumeDescriptor.isWellFormed(buffer, frame + volumeOffset(i))) {
                return false;
            }
        }
        return true;
    }
}
