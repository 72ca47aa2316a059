package io.sluice.gateway.nbd;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import java.nio.ByteBuffer;

/** Flyweight writer of a simple reply header (see {@link NbdDescriptor}). */
public final class SimpleReplyWriter {
    private ByteBuffer buffer;
    private int base;

    public SimpleReplyWriter wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.base = offset;
        return this;
    }

    /** Writes the header and returns its length. */
    public int write(int error, long handle) {
        buffer.putInt(base, SIMPLE_REPLY_MAGIC);
        buffer.putInt(base + 4, error);
        buffer.putLong(base + 8, handle);
        return SIMPLE_REPLY_HEADER_LENGTH;
    }
}
