package io.sluice.protocol;

import static io.sluice.protocol.RenewDescriptor.*;

import java.nio.ByteBuffer;

/** Reads RENEW. */
public final class RenewReader extends FrameReader {
    public RenewReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public RenewReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    /** A copy of the certificate signing request (DER). */
    public byte[] request() {
        return ByteFields.getBytes(
                buffer, offset + REQUEST_OFFSET, buffer.getShort(offset + REQUEST_LENGTH_OFFSET) & 0xFFFF);
    }
}
