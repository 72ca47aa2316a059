package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * THROTTLE_ACK: the gateway's answer to one THROTTLE_SET, one result per volume of the set, in the set's order.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 8                 |  0
 *  +---------------------------------------------------------------+
 *  |        command id of the THROTTLE_SET                         | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        volume count                                           | 32
 *  +---------------------------------------------------------------+
 *  |        reserved, 0                                            | 36
 *  +---------------------------------------------------------------+
 *  |        results: count x 16 bytes                              | 40
 *  +---------------------------------------------------------------+
 *
 *  result:
 *  +-------------------------------+-------------------------------+
 *  |        volume id              |    status (ThrottleAckStatus) |  0
 *  +-------------------------------+-------------------------------+
 *  |        version in force after the set                         |  8
 *  +---------------------------------------------------------------+ 16
 * </pre>
 */
public final class ThrottleAckDescriptor {
    public static final int COMMAND_ID_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int VOLUME_COUNT_OFFSET = COMMAND_ID_OFFSET + 8;
    public static final int RESERVED_OFFSET = VOLUME_COUNT_OFFSET + 4;
    public static final int RESULTS_OFFSET = RESERVED_OFFSET + 4;

    public static final int VOLUME_ID_OFFSET = 0;
    public static final int STATUS_OFFSET = 4;
    public static final int VERSION_OFFSET = 8;
    public static final int RESULT_LENGTH = 16;

    private ThrottleAckDescriptor() {}

    public static int frameLength(int volumeCount) {
        return RESULTS_OFFSET + volumeCount * RESULT_LENGTH;
    }

    public static int resultOffset(int index) {
        return RESULTS_OFFSET + index * RESULT_LENGTH;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < RESULTS_OFFSET || buffer.getInt(frame + RESERVED_OFFSET) != 0) {
            return false;
        }
        long volumeCount = buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
        if (RESULTS_OFFSET + volumeCount * RESULT_LENGTH != frameLength) {
            return false;
        }
        for (int i = 0; i < volumeCount; i++) {
            if (ThrottleAckStatus.fromCode(buffer.getInt(frame + resultOffset(i) + STATUS_OFFSET)) == null) {
                return false;
            }
        }
        return true;
    }
}
