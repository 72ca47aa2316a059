package io.sluice.protocol;

import static io.sluice.protocol.AuthResultDescriptor.*;

import java.nio.ByteBuffer;

/** Reads AUTH_RESULT. */
public final class AuthResultReader extends FrameReader {
    public AuthResultReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public AuthResultReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public AuthOutcome outcome() {
        return AuthOutcome.fromCode(buffer.get(offset + OUTCOME_OFFSET) & 0xFF);
    }

    public AuthReason reason() {
        return AuthReason.fromCode(buffer.get(offset + REASON_OFFSET) & 0xFF);
    }

    public int pollIntervalMillis() {
        return buffer.getInt(offset + POLL_INTERVAL_OFFSET);
    }

    /**
     * When to reconnect, in ms (0: do not), never more than {@link AuthResultDescriptor#MAX_RETRY_AFTER_MILLIS}: the
     * field is read unsigned and clamped, because the frame comes before anything on the link is authenticated.
     */
    public int retryAfterMillis() {
        return (int)
                Math.min(Integer.toUnsignedLong(buffer.getInt(offset + RETRY_AFTER_OFFSET)), MAX_RETRY_AFTER_MILLIS);
    }

    /** The monitor's fencing epoch (ACCEPTED), 0..2^63-1; 0 for PENDING and REFUSED. */
    public long epoch() {
        return buffer.getLong(offset + EPOCH_OFFSET);
    }

    public String message() {
        return ByteFields.getUtf8(
                buffer, offset + MESSAGE_OFFSET, buffer.getShort(offset + MESSAGE_LENGTH_OFFSET) & 0xFFFF);
    }
}
