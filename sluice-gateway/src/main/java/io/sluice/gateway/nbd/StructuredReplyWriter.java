package io.sluice.gateway.nbd;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Flyweight writer of structured reply chunks (see {@link NbdDescriptor}). The gateway sends each reply as one chunk
 * flagged DONE: an OFFSET_DATA chunk for a successful READ, a BLOCK_STATUS chunk for a successful NBD_CMD_BLOCK_STATUS,
 * an ERROR chunk for a failure, a NONE chunk for any other success.
 */
public final class StructuredReplyWriter {
    private ByteBuffer buffer;
    private int base;

    public StructuredReplyWriter wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.base = offset;
        return this;
    }

    /** Header plus offset of an OFFSET_DATA chunk; the caller sends {@code dataLength} bytes after it. */
    public int writeOffsetData(long handle, long offset, int dataLength) {
        header(REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA, handle, OFFSET_DATA_PREFIX_LENGTH + dataLength);
        buffer.putLong(base + STRUCTURED_REPLY_HEADER_LENGTH, offset);
        return STRUCTURED_REPLY_HEADER_LENGTH + OFFSET_DATA_PREFIX_LENGTH;
    }

    /**
     * Header plus context id of a BLOCK_STATUS chunk; the caller sends {@code descriptorBytes} of descriptors (see
     * {@link NbdDescriptor#EXTENT_LENGTH}) after it.
     */
    public int writeBlockStatus(long handle, int contextId, int descriptorBytes) {
        header(REPLY_FLAG_DONE, REPLY_TYPE_BLOCK_STATUS, handle, BLOCK_STATUS_PREFIX_LENGTH + descriptorBytes);
        buffer.putInt(base + STRUCTURED_REPLY_HEADER_LENGTH, contextId);
        return STRUCTURED_REPLY_HEADER_LENGTH + BLOCK_STATUS_PREFIX_LENGTH;
    }

    /** A complete ERROR chunk carrying a human-readable message (US-ASCII bytes). */
    public int writeError(long handle, int error, byte[] message) {
        header(REPLY_FLAG_DONE, REPLY_TYPE_ERROR, handle, ERROR_PREFIX_LENGTH + message.length);
        int at = base + STRUCTURED_REPLY_HEADER_LENGTH;
        buffer.putInt(at, error);
        buffer.putShort(at + 4, (short) message.length);
        buffer.put(at + ERROR_PREFIX_LENGTH, message);
        return STRUCTURED_REPLY_HEADER_LENGTH + ERROR_PREFIX_LENGTH + message.length;
    }

    /** A complete NONE chunk: the request succeeded and carries no data. */
    public int writeNone(long handle) {
        header(REPLY_FLAG_DONE, REPLY_TYPE_NONE, handle, 0);
        return STRUCTURED_REPLY_HEADER_LENGTH;
    }

    private void header(int flags, int type, long handle, int payloadLength) {
        buffer.putInt(base, STRUCTURED_REPLY_MAGIC);
        buffer.putShort(base + 4, (short) flags);
        buffer.putShort(base + 6, (short) type);
        buffer.putLong(base + 8, handle);
        buffer.putInt(base + 16, payloadLength);
    }
}
