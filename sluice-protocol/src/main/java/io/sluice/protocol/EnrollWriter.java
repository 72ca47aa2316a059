package io.sluice.protocol;

import static io.sluice.protocol.EnrollDescriptor.*;

import java.nio.ByteBuffer;

/** Writes ENROLL. */
public final class EnrollWriter extends FrameWriter {
    /** Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. */
    public int write(
            ByteBuffer dst, long sequence, long gatewayId, byte[] answer, byte[] enrollmentToken, byte[] request) {
        if (answer.length != AuthDescriptor.ANSWER_LENGTH) {
            throw new IllegalArgumentException("answer must be " + AuthDescriptor.ANSWER_LENGTH + " bytes");
        }
        if (enrollmentToken.length < 1 || enrollmentToken.length > AuthDescriptor.MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException(
                    "enrollment token must be 1.." + AuthDescriptor.MAX_TOKEN_LENGTH + " bytes");
        }
        if (request.length < 1 || request.length > MAX_REQUEST_LENGTH) {
            throw new IllegalArgumentException(
                    "certificate request must be 1.." + MAX_REQUEST_LENGTH + " bytes: " + request.length);
        }
        if (!begin(
                dst, FrameType.ENROLL, frameLength(enrollmentToken.length, request.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.put(offset + ANSWER_OFFSET, answer);
        buffer.putShort(offset + TOKEN_LENGTH_OFFSET, (short) enrollmentToken.length);
        buffer.putShort(offset + REQUEST_LENGTH_OFFSET, (short) request.length);
        buffer.put(offset + TOKEN_OFFSET, enrollmentToken);
        buffer.put(offset + TOKEN_OFFSET + enrollmentToken.length, request);
        return commit();
    }
}
