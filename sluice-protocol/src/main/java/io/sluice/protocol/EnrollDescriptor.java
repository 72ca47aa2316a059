package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * ENROLL, a gateway's certificate bootstrap: sent instead of AUTH by a gateway that has no client certificate yet, over
 * TLS on which only the monitor proved itself. It answers the CHALLENGE as AUTH does, presents a single-use enrollment
 * token and carries a PKCS#10 certificate signing request (DER).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 13                |  0
 *  +---------------------------------------------------------------+
 *  |        answer: HMAC-SHA256(gateway key,                       | 24
 *  |                nonce (32 bytes) | gateway id (8 bytes))       |
 *  +-------------------------------+-------------------------------+
 *  |   enrollment token length     |   request length              | 56
 *  |   (1..256)                    |   (1..MAX_REQUEST_LENGTH)     |
 *  +-------------------------------+-------------------------------+
 *  |        enrollment token, then the request (DER)               | 60
 *  +---------------------------------------------------------------+ 60 + token length + request length
 * </pre>
 *
 * The monitor answers with {@link CertificateDescriptor CERTIFICATE} (the certificate, or why there is none) or, when
 * the answer or the token is refused, with AUTH_RESULT REFUSED; either way it then closes. The certificate names
 * {@code gateway-<id>} for the id of the connection's HELLO, whatever the request asks. The frame comes before
 * authentication, so it fits the handshake's limit whatever it carries: the request is bounded to
 * {@link #MAX_REQUEST_LENGTH} bytes, room for a P-256 request (about 250 bytes) and more.
 */
public final class EnrollDescriptor {
    public static final int ANSWER_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int TOKEN_LENGTH_OFFSET = ANSWER_OFFSET + AuthDescriptor.ANSWER_LENGTH;
    public static final int REQUEST_LENGTH_OFFSET = TOKEN_LENGTH_OFFSET + 2;
    public static final int TOKEN_OFFSET = REQUEST_LENGTH_OFFSET + 2;
    public static final int MAX_REQUEST_LENGTH =
            FrameDescriptor.HANDSHAKE_MAX_FRAME_LENGTH - TOKEN_OFFSET - AuthDescriptor.MAX_TOKEN_LENGTH;

    private EnrollDescriptor() {}

    public static int frameLength(int tokenLength, int requestLength) {
        return TOKEN_OFFSET + tokenLength + requestLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < TOKEN_OFFSET) {
            return false;
        }
        int tokenLength = buffer.getShort(frame + TOKEN_LENGTH_OFFSET) & 0xFFFF;
        int requestLength = buffer.getShort(frame + REQUEST_LENGTH_OFFSET) & 0xFFFF;
        return tokenLength >= 1
                && tokenLength <= AuthDescriptor.MAX_TOKEN_LENGTH
                && requestLength >= 1
                && requestLength <= MAX_REQUEST_LENGTH
                && frameLength == frameLength(tokenLength, requestLength);
    }
}
