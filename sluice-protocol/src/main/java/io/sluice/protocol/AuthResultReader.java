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

    public int retryAfterMillis() {
        return buffer.getInt(offset + RETRY_AFTER_OFFSET);
    }

    /** How many volume ids the server assigned: HELLO's volume count when ACCEPTED, else 0. */
    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    /** The id the server assigned to HELLO's volume {@code index}. */
    public int volumeId(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("volume " + index + " of " + volumeCount());
        }
        return buffer.getInt(offset + VOLUME_IDS_OFFSET + 4 * index);
    }

    public String message() {
        return ByteFields.getUtf8(buffer, offset + messageOffset(volumeCount()),
                buffer.getShort(offset + MESSAGE_LENGTH_OFFSET) & 0xFFFF);
    }
}
