package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * RENEW, an authenticated gateway asking for a new client certificate before its own expires: a PKCS#10 certificate
 * signing request (DER), sent in session over the TLS link its current certificate opened.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 14                |  0
 *  +-------------------------------+-------------------------------+
 *  |   request length              |   zero                        | 24
 *  |   (1..MAX_REQUEST_LENGTH)     |                               |
 *  +-------------------------------+-------------------------------+
 *  |        request (DER)                                          | 28
 *  +---------------------------------------------------------------+ 28 + request length
 * </pre>
 *
 * The monitor answers with {@link CertificateDescriptor CERTIFICATE} in the same session: a certificate for the same
 * name as the one the session was opened with ({@code gateway-<id>}), or the reason there is none (a revoked
 * certificate cannot renew). The gateway uses the new certificate from its next connection.
 */
public final class RenewDescriptor {
    public static final int REQUEST_LENGTH_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int REQUEST_OFFSET = REQUEST_LENGTH_OFFSET + 4;
    /** The same bound as ENROLL's, so a gateway's request fits either. */
    public static final int MAX_REQUEST_LENGTH = EnrollDescriptor.MAX_REQUEST_LENGTH;

    private RenewDescriptor() {}

    public static int frameLength(int requestLength) {
        return REQUEST_OFFSET + requestLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < REQUEST_OFFSET) {
            return false;
        }
        int requestLength = buffer.getShort(frame + REQUEST_LENGTH_OFFSET) & 0xFFFF;
        return buffer.getShort(frame + REQUEST_LENGTH_OFFSET + 2) == 0
                && requestLength >= 1
                && requestLength <= MAX_REQUEST_LENGTH
                && frameLength == frameLength(requestLength);
    }
}
