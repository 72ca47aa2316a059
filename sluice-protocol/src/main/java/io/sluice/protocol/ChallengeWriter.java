package io.sluice.protocol;

import static io.sluice.protocol.ChallengeDescriptor.*;

import java.nio.ByteBuffer;

/** Writes CHALLENGE. */
public final class ChallengeWriter extends FrameWriter {
    /** Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. */
    public int write(ByteBuffer dst, long sequence, long gatewayId, Challenge challenge) {
        if (!begin(dst, FrameType.CHALLENGE, FRAME_LENGTH, 0, sequence, gatewayId)) {
            return 0;
        }
        challenge.copyNonce(buffer, offset + NONCE_OFFSET);
        return commit();
    }
}
