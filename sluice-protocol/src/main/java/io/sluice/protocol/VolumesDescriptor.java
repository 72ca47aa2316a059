package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * VOLUMES, the gateway's first frame after AUTH_RESULT ACCEPTED: every volume it serves, as many as HELLO said. It
 * comes after authentication because it is large (up to 320 KiB for {@link HelloDescriptor#MAX_VOLUMES}), and a
 * receiver allocates nothing that large for a peer that has not proved its key.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 11                |  0
 *  +---------------------------------------------------------------+
 *  |        volume count (HELLO's, at most MAX_VOLUMES)            | 24
 *  +---------------------------------------------------------------+
 *  |        volume entries: count x 80 bytes (VolumeDescriptor)    | 28
 *  +---------------------------------------------------------------+ 28 + 80 x count
 * </pre>
 *
 * The monitor answers with {@link VolumeIdsDescriptor VOLUME_IDS}; a count other than HELLO's closes the connection.
 */
public final class VolumesDescriptor {
    public static final int VOLUME_COUNT_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int VOLUMES_OFFSET = VOLUME_COUNT_OFFSET + 4;

    private VolumesDescriptor() {}

    public static int frameLength(int volumeCount) {
        return VOLUMES_OFFSET + volumeCount * VolumeDescriptor.LENGTH;
    }

    public static int volumeOffset(int index) {
        return VOLUMES_OFFSET + index * VolumeDescriptor.LENGTH;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < VOLUMES_OFFSET) {
            return false;
        }
        long volumeCount = buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
        if (volumeCount > HelloDescriptor.MAX_VOLUMES
                || VOLUMES_OFFSET + volumeCount * VolumeDescriptor.LENGTH != frameLength) {
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
