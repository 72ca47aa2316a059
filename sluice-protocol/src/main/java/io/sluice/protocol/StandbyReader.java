package io.sluice.protocol;

import static io.sluice.protocol.StandbyDescriptor.*;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Reads STANDBY. */
public final class StandbyReader extends FrameReader {
    public StandbyReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public StandbyReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    /**
     * When to ask again (ms) when no active is named, never more than
     * {@link AuthResultDescriptor#MAX_RETRY_AFTER_MILLIS}: read unsigned and clamped, as the frame is not authenticated
     * over plaintext.
     */
    public int retryAfterMillis() {
        return (int) Math.min(
                Integer.toUnsignedLong(buffer.getInt(offset + RETRY_AFTER_OFFSET)),
                AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS);
    }

    /** Whether the standby named the active monitor. */
    public boolean namesActive() {
        return addressLength() > 0;
    }

    /** The active monitor's address as written, or "" when none is known. */
    public String activeAddressText() {
        return StandbyDescriptor.address(buffer, offset, addressLength());
    }

    /** The active monitor's address (unresolved), or null when none is known. */
    public InetSocketAddress activeAddress() {
        return namesActive() ? MonitorAddress.parse(activeAddressText()) : null;
    }

    private int addressLength() {
        return buffer.getShort(offset + ADDRESS_LENGTH_OFFSET) & 0xFFFF;
    }
}
