package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * HELLO, the gateway's first frame on a connection. The gateway id is the header's; the protocol version it speaks is
 * the header's version.
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
 *  |        volume count: how many volumes VOLUMES will carry      | 32
 *  +---------------------------------------------------------------+
 *  |        gateway name length (1..255)                           | 36
 *  +---------------------------------------------------------------+
 *  |        gateway name: UTF-8 (host name or label, for people)   | 40
 *  +---------------------------------------------------------------+ 40 + name length (at most 295)
 * </pre>
 *
 * HELLO comes before authentication, so it is small whatever the gateway serves: the volumes themselves go in
 * {@link VolumesDescriptor VOLUMES} once the monitor has accepted the gateway. The count is here so the monitor can
 * refuse a gateway announcing more than {@link #MAX_VOLUMES} (AUTH_RESULT REFUSED, {@link AuthReason#TOO_MANY_VOLUMES})
 * before it takes a byte of them.
 */
public final class HelloDescriptor {
    public static final int CAPABILITIES_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int VOLUME_COUNT_OFFSET = CAPABILITIES_OFFSET + 8;
    public static final int NAME_LENGTH_OFFSET = VOLUME_COUNT_OFFSET + 4;
    public static final int NAME_OFFSET = NAME_LENGTH_OFFSET + 4;
    public static final int MAX_NAME_LENGTH = 255;
    /**
     * The most volumes one gateway may serve through a server: a STATS report of this many (1.2 MiB) still crosses in a
     * few frames, and the services analyse them within one poll interval.
     */
    public static final int MAX_VOLUMES = 4096;

    private HelloDescriptor() {}

    public static int frameLength(int nameLength) {
        return NAME_OFFSET + nameLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < NAME_OFFSET) {
            return false;
        }
        long nameLength = buffer.getInt(frame + NAME_LENGTH_OFFSET) & 0xFFFF_FFFFL;
        return nameLength >= 1 && nameLength <= MAX_NAME_LENGTH && NAME_OFFSET + nameLength == frameLength;
    }
}
