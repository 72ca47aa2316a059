package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * AUTH, the gateway's answer to CHALLENGE.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 3                 |  0
 *  +---------------------------------------------------------------+
 *  |        answer: HMAC-SHA256(gateway key,                       | 24
 *  |                nonce (32 bytes) | gateway id (8 bytes))       |
 *  +-------------------------------+-------------------------------+
 *  |   enrollment token length     |   enrollment token (0..256)   | 56
 *  +-------------------------------+                               |
 *  |                                                               |
 *  +---------------------------------------------------------------+ 58 + token length
 * </pre>
 *
 * The answer covers the gateway id as well as the nonce, so an answer is bound to the gateway that was challenged even
 * if two gateways were given the same key. The enrollment token is opaque here: an unknown gateway that presents a
 * token the monitor accepts is admitted at once instead of waiting for an admin; length 0 means none.
 */
public final class AuthDescriptor {
    public static final int ANSWER_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int ANSWER_LENGTH = 32;
    public static final int TOKEN_LENGTH_OFFSET = ANSWER_OFFSET + ANSWER_LENGTH;
    public static final int TOKEN_OFFSET = TOKEN_LENGTH_OFFSET + 2;
    public static final int MAX_TOKEN_LENGTH = 256;

    private AuthDescriptor() {}

    public static int frameLength(int tokenLength) {
        return TOKEN_OFFSET + tokenLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < TOKEN_OFFSET) {
            return false;
        }
        int tokenLength = buffer.getShort(frame + TOKEN_LENGTH_OFFSET) & 0xFFFF;
        return tokenLength <= MAX_TOKEN_LENGTH && frameLength == frameLength(tokenLength);
    }
}
