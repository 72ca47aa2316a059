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
 *  |        0 = do not; at most MAX_RETRY_AFTER_MILLIS)            |
 *  +---------------------------------------------------------------+
 *  |        epoch (ACCEPTED: the monitor's fencing epoch, 0 for a  | 36
 *  |        server not in a pair; PENDING, REFUSED: 0); 0..2^63-1  |
 *  +---------------------------------------------------------------+
 *  |        message: UTF-8, for the gateway's log                  | 44
 *  +---------------------------------------------------------------+ 44 + message length
 * </pre>
 *
 * Outcome is an {@link AuthOutcome} code and reason an {@link AuthReason} code; ACCEPTED goes with reason NONE and only
 * with it. The monitor closes the connection after PENDING or REFUSED: a pending gateway comes back after the retry
 * delay and is accepted once an admin has approved it. After ACCEPTED the gateway sends its {@link VolumesDescriptor
 * VOLUMES}.
 *
 * <p>The epoch is the one the monitor stamps on every {@link ThrottleSetDescriptor THROTTLE_SET} of the session. A
 * gateway that has seen a newer one ends the session at once (docs/design.md, "Gateways follow the active"): this
 * monitor's server lost the lease, whether or not it knows yet, and the gateway goes on to find the active.
 *
 * <p>Nothing on the link is authenticated yet when this frame arrives, so a gateway never waits longer than
 * {@link #MAX_RETRY_AFTER_MILLIS} whatever the frame says ({@link AuthResultReader#retryAfterMillis()} clamps): one
 * forged PENDING cannot park a gateway's link for weeks.
 */
public final class AuthResultDescriptor {
    public static final int OUTCOME_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int REASON_OFFSET = OUTCOME_OFFSET + 1;
    public static final int MESSAGE_LENGTH_OFFSET = REASON_OFFSET + 1;
    public static final int POLL_INTERVAL_OFFSET = MESSAGE_LENGTH_OFFSET + 2;
    public static final int RETRY_AFTER_OFFSET = POLL_INTERVAL_OFFSET + 4;
    public static final int EPOCH_OFFSET = RETRY_AFTER_OFFSET + 4;
    public static final int MESSAGE_OFFSET = EPOCH_OFFSET + 8;
    public static final int MAX_MESSAGE_LENGTH = 256;
    /**
     * The longest a gateway waits before it reconnects after PENDING or REFUSED, whatever the frame asks: 5 minutes.
     */
    public static final int MAX_RETRY_AFTER_MILLIS = 300_000;

    private AuthResultDescriptor() {}

    public static int frameLength(int messageLength) {
        return MESSAGE_OFFSET + messageLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < MESSAGE_OFFSET) {
            return false;
        }
        AuthOutcome outcome = AuthOutcome.fromCode(buffer.get(frame + OUTCOME_OFFSET) & 0xFF);
        AuthReason reason = AuthReason.fromCode(buffer.get(frame + REASON_OFFSET) & 0xFF);
        int messageLength = buffer.getShort(frame + MESSAGE_LENGTH_OFFSET) & 0xFFFF;
        long epoch = buffer.getLong(frame + EPOCH_OFFSET);
        return outcome != null
                && reason != null
                && (outcome == AuthOutcome.ACCEPTED) == (reason == AuthReason.NONE)
                && epoch >= 0
                && (outcome == AuthOutcome.ACCEPTED || epoch == 0)
                && messageLength <= MAX_MESSAGE_LENGTH
                && frameLength == MESSAGE_OFFSET + messageLength;
    }
}
