package io.sluice.protocol;

import static io.sluice.protocol.RenewDescriptor.*;

import java.nio.ByteBuffer;

/** Writes RENEW. */
public final class RenewWriter extends FrameWriter {
    /** Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit. */
    public int write(ByteBuffer dst, long sequence, long gatewayId, byte[] request) {
        if (request.length < 1 || request.length > MAX_REQUEST_LENGTH) {
            throw new IllegalArgumentException(
                    "certificate request must be 1.." + MAX_REQUEST_LENGTH + " bytes: " + request.length);
        }
        if (!begin(dst, FrameType.RENEW, frameLength(request.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putShort(offset + REQUEST_LENGTH_OFFSET, (short) request.length);
        buffer.put(offset + REQUEST_OFFSET, request);
        return commit();
    }
}
