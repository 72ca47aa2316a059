package io.sluice.protocol;

import static io.sluice.protocol.AuthDescriptor.*;

import java.nio.ByteBuffer;

/** Writes AUTH. */
public final class AuthWriter extends FrameWriter {
    private static final byte[] NO_TOKEN = new byte[0];

    /** Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. */
    public int write(ByteBuffer dst, long sequence, long gatewayId, byte[] answer) {
        return write(dst, sequence, gatewayId, answer, NO_TOKEN);
    }

    /** As {@link #write(ByteBuffer, long, long, byte[])}, presenting an enrollment token (0..256 bytes). */
    public int write(ByteBuffer dst, long sequence, long gatewayId, byte[] answer, byte[] enrollmentToken) {
        if (answer.length != ANSWER_LENGTH) {
            throw new IllegalArgumentException("answer must be " + ANSWER_LENGTH + " bytes");
        }
        if (enrollmentToken.length > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("enrollment token longer than " + MAX_TOKEN_LENGTH + " bytes");
        }
        if (!begin(dst, FrameType.AUTH, frameLength(enrollmentToken.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.put(offset + ANSWER_OFFSET, answer);
        buffer.putShort(offset + TOKEN_LENGTH_OFFSET, (short) enrollmentToken.length);
        buffer.put(offset + TOKEN_OFFSET, enrollmentToken);
        return commit();
    }
}
