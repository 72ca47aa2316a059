package io.sluice.protocol;

/**
 * CHALLENGE, the monitor's answer to HELLO: a fresh random nonce, good for one AUTH.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 2                 |  0
 *  +---------------------------------------------------------------+
 *  |        nonce: 32 random bytes                                 | 24
 *  +---------------------------------------------------------------+ 56
 * </pre>
 */
public final class ChallengeDescriptor {
    public static final int NONCE_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int NONCE_LENGTH = 32;
    public static final int FRAME_LENGTH = NONCE_OFFSET + NONCE_LENGTH;

    private ChallengeDescriptor() {}
}
