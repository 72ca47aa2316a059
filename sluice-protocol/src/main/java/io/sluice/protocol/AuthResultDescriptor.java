package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * AUTH_RESULT, the monitor's verdict on AUTH.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 4                 |  0
 *  +---------------+---------------+-------------------------------+
 *  |   outcome     |   reason      |   message length (0..256)     | 24
 *  +---------------+---------------+-------------------------------+
 *  |        poll interval, ms (ACCEPTED: how often to expect POLL) | 28
 *  +---------------------------------------------------------------+
 *  |        retry after, ms (PENDING, REFUSED: when to reconnect;  | 32
 *  |        0 = do not)                                            |
 *  +---------------------------------------------------------------+
 *  |        volume count (ACCEPTED: HELLO's count; else 0)         | 36
 *  +---------------------------------------------------------------+
 *  |        volume ids: count x 4 bytes, the id the server assigned | 40
 *  |        to HELLO's volume i, in HELLO's order                  |
 *  +---------------------------------------------------------------+
 *  |        message: UTF-8, for the gateway's log                  | 40 + 4 x count
 *  +---------------------------------------------------------------+ 40 + 4 x count + message length
 * </pre>
 *
 * Outcome is an {@link AuthOutcome} code and reason an {@link AuthReason} code; ACCEPTED goes with reason
 * NONE and only with it. The monitor closes the connection after PENDING or REFUSED: a pending gateway
 * comes back after the retry delay and is accepted once an admin has approved it. An ACCEPTED result
 * carries the id the server assigned to each volume HELLO announced; the gateway uses those ids from
 * then on (see {@link VolumeDescriptor}).
 */
public final class AuthResultDescriptor {
    public static final int OUTCOME_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int REASON_OFFSET = OUTCOME_OFFSET + 1;
    public static final int MESSAGE_LENGTH_OFFSET = REASON_OFFSET + 1;
    public static final int POLL_INTERVAL_OFFSET = MESSAGE_LENGTH_OFFSET + 2;
    public static final int RETRY_AFTER_OFFSET = POLL_INTERVAL_OFFSET + 4;
    public static final int VOLUME_COUNT_OFFSET = RETRY_AFTER_OFFSET + 4;
    public static final int VOLUME_IDS_OFFSET = VOLUME_COUNT_OFFSET + 4;
    public static final int MAX_MESSAGE_LENGTH = 256;

    private AuthResultDescriptor() {
    }

    public static int frameLength(int volumeCount, int messageLength) {
        return messageOffset(volumeCount) + messageLength;
    }

    public static int messageOffset(int volumeCount) {
        return VOLUME_IDS_OFFSET + 4 * volumeCount;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < VOLUME_IDS_OFFSET) {
            return false;
        }
        AuthOutcome outcome = AuthOutcome.fromCode(buffer.get(frame + OUTCOME_OFFSET) & 0xFF);
        AuthReason reason = AuthReason.fromCode(buffer.get(frame + REASON_OFFSET) & 0xFF);
        int messageLength = buffer.getShort(frame + MESSAGE_LENGTH_OFFSET) & 0xFFFF;
        long volumeCount = buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
        return outcome != null && reason != null
                && (outcome == AuthOutcome.ACCEPTED) == (reason == AuthReason.NONE)
                && (outcome == AuthOutcome.ACCEPTED || volumeCount == 0)
                && volumeCount <= HelloDescriptor.MAX_VOLUMES
                && messageLength <= MAX_MESSAGE_LENGTH && frameLength == VOLUME_IDS_OFFSET + 4 * volumeCount + messageLength;
    }
}
