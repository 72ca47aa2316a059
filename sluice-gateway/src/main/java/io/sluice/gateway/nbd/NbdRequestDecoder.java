package io.sluice.gateway.nbd;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Flyweight reader of a 28-byte request header (see {@link NbdDescriptor}) that also judges it against what was
 * negotiated for the connection. {@link #decode()} returns a verdict instead of throwing: {@link NbdError#OK} (serve
 * it), another {@link NbdError} value (reply with that error), {@link #DISCONNECT} (the stream can no longer be
 * trusted: hang up) or {@link #SOFT_DISCONNECT} (the client sent NBD_CMD_DISC). Whatever the verdict, unless it is
 * DISCONNECT the connection must still consume {@link #payloadLength()} bytes of WRITE data to stay in step with the
 * client.
 */
public final class NbdRequestDecoder {
    /** Hard disconnect: bad magic, or a WRITE payload too large to consume. */
    public static final int DISCONNECT = -1;
    /** NBD_CMD_DISC: finish what is in flight, then close. */
    public static final int SOFT_DISCONNECT = -2;

    private ByteBuffer buffer;
    private int base;
    private long exportSize;
    private int transmissionFlags;
    private boolean readOnly;
    private boolean structuredReplies;
    private boolean blockStatus;
    private int minBlock = 1;
    private int maxBlock = MAX_PAYLOAD;
    private int payloadLength;

    /**
     * Sets what was negotiated for this connection; called once after the handshake. {@code transmissionFlags} are the
     * ones the client was sent (read-only, CACHE, FAST_ZERO); {@code blockStatus}: the client selected base:allocation
     * for this export.
     */
    public NbdRequestDecoder configure(
            long exportSize,
            int transmissionFlags,
            boolean structuredReplies,
            boolean blockStatus,
            int minBlock,
            int maxBlock) {
        if (Integer.bitCount(minBlock) != 1 || maxBlock < minBlock || maxBlock > MAX_PAYLOAD) {
            throw new IllegalArgumentException("bad block sizes: min " + minBlock + ", max " + maxBlock);
        }
        if (blockStatus && !structuredReplies) {
            throw new IllegalArgumentException("block status needs structured replies");
        }
        this.exportSize = exportSize;
        this.transmissionFlags = transmissionFlags;
        this.readOnly = (transmissionFlags & FLAG_READ_ONLY) != 0;
        this.structuredReplies = structuredReplies;
        this.blockStatus = blockStatus;
        this.minBlock = minBlock;
        this.maxBlock = maxBlock;
        return this;
    }

    /** Points at a header of {@link NbdDescriptor#REQUEST_HEADER_LENGTH} bytes at {@code offset}. */
    public NbdRequestDecoder wrap(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.base = offset;
        return this;
    }

    public int magic() {
        return buffer.getInt(base + REQUEST_MAGIC_OFFSET);
    }

    public int flags() {
        return buffer.getShort(base + REQUEST_FLAGS_OFFSET) & 0xFFFF;
    }

    public int type() {
        return buffer.getShort(base + REQUEST_TYPE_OFFSET) & 0xFFFF;
    }

    public long handle() {
        return buffer.getLong(base + REQUEST_HANDLE_OFFSET);
    }

    /** Unsigned on the wire; values past 2^63 read as negative and are out of range anyway. */
    public long offset() {
        return buffer.getLong(base + REQUEST_OFFSET_OFFSET);
    }

    public long length() {
        return buffer.getInt(base + REQUEST_LENGTH_OFFSET) & 0xFFFF_FFFFL;
    }

    /** WRITE data that follows this header and must be read, whatever the verdict (0 for others). */
    public int payloadLength() {
        return payloadLength;
    }

    public int decode() {
        payloadLength = 0;
        if (magic() != REQUEST_MAGIC) {
            return DISCONNECT;
        }
        int type = type();
        int flags = flags();
        long offset = offset();
        long length = length();
        if (type == CMD_WRITE) {
            // Larger payloads may be deemed denial of service (proto.md, block size constraints).
            if (length > MAX_PAYLOAD) {
                return DISCONNECT;
            }
            payloadLength = (int) length;
        }
        if (type == CMD_DISC) {
            return SOFT_DISCONNECT;
        }
        if (!known(type)) {
            return NbdError.EINVAL;
        }
        if ((flags & ~allowedFlags(type)) != 0) {
            return NbdError.EINVAL;
        }
        boolean writes = type == CMD_WRITE || type == CMD_TRIM || type == CMD_WRITE_ZEROES;
        if (readOnly && writes) {
            return NbdError.EPERM;
        }
        if (type == CMD_FLUSH) {
            return offset == 0 && length == 0 ? NbdError.OK : NbdError.EINVAL;
        }
        if (length == 0) {
            return NbdError.EINVAL;
        }
        if (offset < 0 || offset > exportSize || length > exportSize - offset) {
            // proto.md: ENOSPC for writing past the end, EINVAL for anything else past it.
            return type == CMD_WRITE || type == CMD_WRITE_ZEROES ? NbdError.ENOSPC : NbdError.EINVAL;
        }
        if (((offset | length) & (minBlock - 1)) != 0) {
            return NbdError.EINVAL;
        }
        if (length > maxBlock && boundedByMaximumBlock(type)) {
            return NbdError.EINVAL;
        }
        return NbdError.OK;
    }

    /** Commands this connection may send: CACHE only where advertised, BLOCK_STATUS only once a context is selected. */
    private boolean known(int type) {
        return switch (type) {
            case CMD_READ, CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES -> true;
            case CMD_CACHE -> (transmissionFlags & FLAG_SEND_CACHE) != 0;
            case CMD_BLOCK_STATUS -> blockStatus;
            default -> false;
        };
    }

    /**
     * READ, WRITE and CACHE are bounded by the maximum block size. proto.md bounds WRITE_ZEROES too (except with
     * FAST_ZERO), but nbdcopy (libnbd 1.14) zeroes a whole hole in one request, and qemu-nbd and nbdkit take any
     * length, so the gateway does too; TRIM and BLOCK_STATUS are not bounded.
     */
    private static boolean boundedByMaximumBlock(int type) {
        return type == CMD_READ || type == CMD_WRITE || type == CMD_CACHE;
    }

    private int allowedFlags(int type) {
        return switch (type) {
            case CMD_READ -> structuredReplies ? CMD_FLAG_FUA | CMD_FLAG_DF : CMD_FLAG_FUA;
            case CMD_WRITE_ZEROES ->
                CMD_FLAG_FUA
                        | CMD_FLAG_NO_HOLE
                        | ((transmissionFlags & FLAG_SEND_FAST_ZERO) != 0 ? CMD_FLAG_FAST_ZERO : 0);
            case CMD_BLOCK_STATUS -> CMD_FLAG_FUA | CMD_FLAG_REQ_ONE;
            // FUA is valid on every command once NBD_FLAG_SEND_FUA is advertised, which the gateway always does.
            default -> CMD_FLAG_FUA;
        };
    }
}
