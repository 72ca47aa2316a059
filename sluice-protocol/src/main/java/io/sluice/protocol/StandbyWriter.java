package io.sluice.protocol;

import static io.sluice.protocol.StandbyDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes STANDBY. */
public final class StandbyWriter extends FrameWriter {
    /**
     * The bytes {@link #write} takes for {@code hostPort} (checked as {@link MonitorAddress#parse} does), or none for
     * null.
     */
    public static byte[] addressBytes(String hostPort) {
        if (hostPort == null) {
            return new byte[0];
        }
        MonitorAddress.parse(hostPort);
        return hostPort.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Writes the frame whole; returns its length, or 0 (nothing written) when it does not fit.
     *
     * @param activeAddress the active monitor's address from {@link #addressBytes}, empty when none is known
     */
    public int write(ByteBuffer dst, long sequence, long gatewayId, int retryAfterMillis, byte[] activeAddress) {
        if (retryAfterMillis < 0 || retryAfterMillis > AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS) {
            throw new IllegalArgumentException("retry-after must be 0.." + AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS
                    + " ms: " + retryAfterMillis);
        }
        if (activeAddress.length > MAX_ADDRESS_LENGTH) {
            throw new IllegalArgumentException("address longer than " + MAX_ADDRESS_LENGTH + " bytes");
        }
        if (!begin(dst, FrameType.STANDBY, frameLength(activeAddress.length), 0, sequence, gatewayId)) {
            return 0;
        }
        buffer.putInt(offset + RETRY_AFTER_OFFSET, retryAfterMillis);
        buffer.putShort(offset + ADDRESS_LENGTH_OFFSET, (short) activeAddress.length);
        buffer.put(offset + ADDRESS_OFFSET, activeAddress);
        return commit();
    }
}
