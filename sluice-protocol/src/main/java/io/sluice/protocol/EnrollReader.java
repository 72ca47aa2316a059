package io.sluice.protocol;

import static io.sluice.protocol.EnrollDescriptor.*;

import java.nio.ByteBuffer;

/** Reads ENROLL. The answer is checked in place with {@link Authenticator#verify}, as AUTH's. */
public final class EnrollReader extends FrameReader {
    public EnrollReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public EnrollReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Where the 32-byte answer starts in {@link #buffer()}. */
    public int answerOffset() {
        return offset + ANSWER_OFFSET;
    }

    private int tokenLength() {
        return buffer.getShort(offset + TOKEN_LENGTH_OFFSET) & 0xFFFF;
    }

    /** A copy of the enrollment token. */
    public byte[] enrollmentToken() {
        return ByteFields.getBytes(buffer, offset + TOKEN_OFFSET, tokenLength());
    }

    /** A copy of the certificate signing request (DER). */
    public byte[] request() {
        return ByteFields.getBytes(
                buffer,
                offset + TOKEN_OFFSET + tokenLength(),
                buffer.getShort(offset + REQUEST_LENGTH_OFFSET) & 0xFFFF);
    }
}
