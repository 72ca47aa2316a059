package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * VOLUME_IDS, the monitor's answer to VOLUMES: the id the server assigned to each volume, or {@link #REFUSED}. The
 * session is open from here on (POLL, THROTTLE_SET), and every later frame names volumes by these ids. A refused volume
 * (one flagged {@link VolumeDescriptor#FLAG_SHARED} under a name the server's operator has not bound to this gateway)
 * is not the server's to control through this gateway: the gateway leaves it out of STATS and EVENT (a STATS frame
 * naming it is refused like one naming a volume never declared) and gets no throttles for it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 12                |  0
 *  +---------------------------------------------------------------+
 *  |        volume count (VOLUMES' count)                          | 24
 *  +---------------------------------------------------------------+
 *  |        volume ids: count x 4 bytes, the id the server assigned| 28
 *  |        to VOLUMES' entry i, in VOLUMES' order                 |
 *  +---------------------------------------------------------------+ 28 + 4 x count
 * </pre>
 */
public final class VolumeIdsDescriptor {
    public static final int VOLUME_COUNT_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int VOLUME_IDS_OFFSET = VOLUME_COUNT_OFFSET + 4;
    /** The "id" of a volume the server refused: no volume ever has it. */
    public static final int REFUSED = 0;

    private VolumeIdsDescriptor() {}

    public static int frameLength(int volumeCount) {
        return VOLUME_IDS_OFFSET + 4 * volumeCount;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < VOLUME_IDS_OFFSET) {
            return false;
        }
        long volumeCount = buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
        return volumeCount <= HelloDescriptor.MAX_VOLUMES && frameLength == VOLUME_IDS_OFFSET + 4 * volumeCount;
    }
}
