package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * One connection's challenge: the nonce the monitor sent, to whom, and when. The connection's session owns it,
 * {@link Authenticator#issue} fills it, and {@link Authenticator#verify} uses it up: a challenge is good for one
 * answer, right or wrong.
 */
public final class Challenge {
    enum State {
        NONE,
        OUTSTANDING,
        USED
    }

    final byte[] nonce = new byte[ChallengeDescriptor.NONCE_LENGTH];
    long gatewayId;
    long issuedAtMillis;
    State state = State.NONE;

    public long gatewayId() {
        return gatewayId;
    }

    /** Issued and not yet answered. */
    public boolean isOutstanding() {
        return state == State.OUTSTANDING;
    }

    void copyNonce(ByteBuffer dst, int offset) {
        dst.put(offset, nonce);
    }
}
