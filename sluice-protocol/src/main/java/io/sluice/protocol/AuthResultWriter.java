package io.sluice.protocol;

import static io.sluice.protocol.AuthResultDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes AUTH_RESULT. */
public final class AuthResultWriter extends FrameWriter {
    /**
     * Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. ACCEPTED
     * goes with {@link AuthReason#NONE} and only with it.
     */
    public int write(ByteBuffer dst, long sequence, long gatewayId, AuthOutcome outcome, AuthReason reason,
                     int pollIntervalMillis, int retryAfterMillis, String message) {
        return write(dst, sequence, gatewayId, outcome, reason, pollIntervalMillis, retryAfterMillis, message, null, 0);
    }

    /** As above, with the ids assigned to the first {@code volumeCount} volumes of HELLO (ACCEPTED only). */
    public int write(ByteBuffer dst, long sequence, long gatewayId, AuthOutcome outcome, AuthReason reason,
                     int pollIntervalMillis, int retryAfterMillis, String message, int[] volumeIds, int volumeCount) {
        if (volumeCount != 0 && outcome != AuthOutcome.ACCEPTED) {
            throw new IllegalArgumentException("only an ACCEPTED result assigns volume ids");
        }
        if ((outcome == AuthOutcome.ACCEPTED) != (reason == AuthReason.NONE)) {
            throw new IllegalArgumentException(outcome + " cannot go with reason " + reason);
        }
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("message longer than " + MAX_MESSAGE_LENGTH + " bytes");
        }
        if (!begin(dst, FrameType.AUTH_RESULT, frameLength(volumeCount, text.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.put(offset + OUTCOME_OFFSET, (byte) outcome.code());
        buffer.put(offset + REASON_OFFSET, (byte) reason.code());
        buffer.putShort(offset + MESSAGE_LENGTH_OFFSET, (short) text.length);
        buffer.putInt(offset + POLL_INTERVAL_OFFSET, pollIntervalMillis);
        buffer.putInt(offset + RETRY_AFTER_OFFSET, retryAfterMillis);
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        for (int i = 0; i < volumeCount; i++) {
            buffer.putInt(offset + VOLUME_IDS_OFFSET + 4 * i, volumeIds[i]);
        }
        buffer.put(offset + messageOffset(volumeCount), text);
        return commit();
    }
}
