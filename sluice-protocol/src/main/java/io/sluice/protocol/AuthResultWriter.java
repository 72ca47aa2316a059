package io.sluice.protocol;

import static io.sluice.protocol.AuthResultDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes AUTH_RESULT. */
public final class AuthResultWriter extends FrameWriter {
    /**
     * Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. ACCEPTED goes with
     * {@link AuthReason#NONE} and only with it; the retry-after is
     * 0..{@link AuthResultDescriptor#MAX_RETRY_AFTER_MILLIS}.
     */
    public int write(
            ByteBuffer dst,
            long sequence,
            long gatewayId,
            AuthOutcome outcome,
            AuthReason reason,
            int pollIntervalMillis,
            int retryAfterMillis,
            String message) {
        return write(dst, sequence, gatewayId, outcome, reason, pollIntervalMillis, retryAfterMillis, message, 0);
    }

    /**
     * As above, with the monitor's fencing epoch (0..2^63-1), which only ACCEPTED carries: 0 with any other outcome.
     */
    public int write(
            ByteBuffer dst,
            long sequence,
            long gatewayId,
            AuthOutcome outcome,
            AuthReason reason,
            int pollIntervalMillis,
            int retryAfterMillis,
            String message,
            long epoch) {
        if (epoch < 0 || (epoch != 0 && outcome != AuthOutcome.ACCEPTED)) {
            throw new IllegalArgumentException("epoch " + epoch + " cannot go with " + outcome);
        }
        if ((outcome == AuthOutcome.ACCEPTED) != (reason == AuthReason.NONE)) {
            throw new IllegalArgumentException(outcome + " cannot go with reason " + reason);
        }
        if (retryAfterMillis < 0 || retryAfterMillis > MAX_RETRY_AFTER_MILLIS) {
            throw new IllegalArgumentException(
                    "retry-after must be 0.." + MAX_RETRY_AFTER_MILLIS + " ms: " + retryAfterMillis);
        }
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("message longer than " + MAX_MESSAGE_LENGTH + " bytes");
        }
        if (!begin(dst, FrameType.AUTH_RESULT, frameLength(text.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.put(offset + OUTCOME_OFFSET, (byte) outcome.code());
        buffer.put(offset + REASON_OFFSET, (byte) reason.code());
        buffer.putShort(offset + MESSAGE_LENGTH_OFFSET, (short) text.length);
        buffer.putInt(offset + POLL_INTERVAL_OFFSET, pollIntervalMillis);
        buffer.putInt(offset + RETRY_AFTER_OFFSET, retryAfterMillis);
        buffer.putLong(offset + EPOCH_OFFSET, epoch);
        buffer.put(offset + MESSAGE_OFFSET, text);
        return commit();
    }
}
