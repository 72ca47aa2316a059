package io.sluice.protocol;

import static io.sluice.protocol.CertificateDescriptor.*;

import java.nio.ByteBuffer;

/** Writes CERTIFICATE. */
public final class CertificateWriter extends FrameWriter {
    private static final byte[] NONE = new byte[0];

    /**
     * An issued certificate (DER, 1..{@link CertificateDescriptor#MAX_CERTIFICATE_LENGTH} bytes); its length, or 0 when
     * it does not fit.
     */
    public int write(ByteBuffer dst, long sequence, long gatewayId, byte[] certificate) {
        if (certificate.length < 1 || certificate.length > MAX_CERTIFICATE_LENGTH) {
            throw new IllegalArgumentException(
                    "certificate must be 1.." + MAX_CERTIFICATE_LENGTH + " bytes: " + certificate.length);
        }
        return write(dst, sequence, gatewayId, AuthReason.NONE, certificate);
    }

    /** Why no certificate was issued (any reason but NONE); its length, or 0 when it does not fit. */
    public int writeRefusal(ByteBuffer dst, long sequence, long gatewayId, AuthReason reason) {
        if (reason == AuthReason.NONE) {
            throw new IllegalArgumentException("a refusal needs a reason");
        }
        return write(dst, sequence, gatewayId, reason, NONE);
    }

    private int write(ByteBuffer dst, long sequence, long gatewayId, AuthReason reason, byte[] certificate) {
        if (!begin(dst, FrameType.CERTIFICATE, frameLength(certificate.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.put(offset + REASON_OFFSET, (byte) reason.code());
        buffer.putShort(offset + CERTIFICATE_LENGTH_OFFSET, (short) certificate.length);
        buffer.put(offset + CERTIFICATE_OFFSET, certificate);
        return commit();
    }
}
