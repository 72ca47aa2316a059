package io.sluice.protocol;

import static io.sluice.protocol.ChallengeDescriptor.*;

import java.nio.ByteBuffer;

/** Reads CHALLENGE. */
public final class ChallengeReader extends FrameReader {
    public ChallengeReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public ChallengeReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    /** A copy of the nonce, to answer with {@link Authenticator#answer}. */
    public byte[] nonce() {
        return ByteFields.getBytes(buffer, offset + NONCE_OFFSET, NONCE_LENGTH);
    }
}
