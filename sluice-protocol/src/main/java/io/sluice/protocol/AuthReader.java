package io.sluice.protocol;

import static io.sluice.protocol.AuthDescriptor.*;

import java.nio.ByteBuffer;

/** Reads AUTH. The answer is checked in place with {@link Authenticator#verify}. */
public final class AuthReader extends FrameReader {
    public AuthReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public AuthReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Where the 32-byte answer starts in {@link #buffer()}. */
    public int answerOffset() {
        return offset + ANSWER_OFFSET;
    }

    public int enrollmentTokenLength() {
        return buffer.getShort(offset + TOKEN_LENGTH_OFFSET) & 0xFFFF;
    }

    /** A copy of the enrollment token; empty when none was presented. */
    public byte[] enrollmentToken() {
        return ByteFields.getBytes(buffer, offset + TOKEN_OFFSET, enrollmentTokenLength());
    }
}
