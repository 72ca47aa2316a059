package io.sluice.protocol;

import static io.sluice.protocol.CertificateDescriptor.*;

import java.nio.ByteBuffer;

/** Reads CERTIFICATE. */
public final class CertificateReader extends FrameReader {
    public CertificateReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public CertificateReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    /** NONE when the frame carries a certificate, else why the monitor issued none. */
    public AuthReason reason() {
        return AuthReason.fromCode(buffer.get(offset + REASON_OFFSET) & 0xFF);
    }

    /** A copy of the certificate (DER); empty when none was issued. */
    public byte[] certificate() {
        return ByteFields.getBytes(
                buffer, offset + CERTIFICATE_OFFSET, buffer.getShort(offset + CERTIFICATE_LENGTH_OFFSET) & 0xFFFF);
    }
}
