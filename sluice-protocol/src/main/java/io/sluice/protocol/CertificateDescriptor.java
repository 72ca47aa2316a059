package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * CERTIFICATE, the monitor's answer to ENROLL or RENEW: the client certificate it issued (DER, signed by the server's
 * authority), or the reason it issued none.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 15                |  0
 *  +---------------+---------------+-------------------------------+
 *  |   reason      |   zero        |   certificate length          | 24
 *  |               |               |   (0..MAX_CERTIFICATE_LENGTH) |
 *  +---------------+---------------+-------------------------------+
 *  |        certificate (DER)                                      | 28
 *  +---------------------------------------------------------------+ 28 + certificate length
 * </pre>
 *
 * Reason is an {@link AuthReason} code: NONE goes with a certificate and only with one. After an ENROLL's answer the
 * monitor closes the connection, and the gateway connects again with its new certificate. The frame may come before
 * authentication, so it fits the handshake's limit: the server's authority issues P-256 certificates of about 500
 * bytes.
 */
public final class CertificateDescriptor {
    public static final int REASON_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int CERTIFICATE_LENGTH_OFFSET = REASON_OFFSET + 2;
    public static final int CERTIFICATE_OFFSET = CERTIFICATE_LENGTH_OFFSET + 2;
    public static final int MAX_CERTIFICATE_LENGTH = FrameDescriptor.HANDSHAKE_MAX_FRAME_LENGTH - CERTIFICATE_OFFSET;

    private CertificateDescriptor() {}

    public static int frameLength(int certificateLength) {
        return CERTIFICATE_OFFSET + certificateLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < CERTIFICATE_OFFSET) {
            return false;
        }
        AuthReason reason = AuthReason.fromCode(buffer.get(frame + REASON_OFFSET) & 0xFF);
        int certificateLength = buffer.getShort(frame + CERTIFICATE_LENGTH_OFFSET) & 0xFFFF;
        return reason != null
                && buffer.get(frame + REASON_OFFSET + 1) == 0
                && (reason == AuthReason.NONE) == (certificateLength > 0)
                && certificateLength <= MAX_CERTIFICATE_LENGTH
                && frameLength == frameLength(certificateLength);
    }
}
