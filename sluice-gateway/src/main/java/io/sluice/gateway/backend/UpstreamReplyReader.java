package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.backend.UpstreamRequests.Pending;
import io.sluice.gateway.nbd.NbdError;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads an upstream's replies off one {@link UpstreamLink} and completes the requests they name: simple replies, and
 * where the upstream agreed to them structured ones (READ data in OFFSET_DATA and OFFSET_HOLE chunks put in place in
 * the caller's buffer, base:allocation extents cut to the requested range, error chunks). Anything the protocol does
 * not allow (an unknown handle, a chunk for the wrong command, a READ not covered whole) ends the reading: the link is
 * garbage from there.
 *
 * <p>Not thread-safe: one reader thread at a time (a link's reader starts after the previous one ended), which owns the
 * buffers here.
 */
final class UpstreamReplyReader {
    private final UpstreamRequests requests;
    private final boolean structuredReplies;
    /** The upstream's id for base:allocation; -1 when it selected none. */
    private final long allocationContext;

    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(STRUCTURED_REPLY_HEADER_LENGTH);
    /** The fixed fields that open a chunk's payload (an offset, a hole, an error, a context id). */
    private final ByteBuffer chunkPrefix = ByteBuffer.allocateDirect(OFFSET_HOLE_LENGTH);
    /** Block status descriptors as they arrive, and bytes the reader skips. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(512 * EXTENT_LENGTH);
    /** The connection being read. */
    private UpstreamLink reading;

    UpstreamReplyReader(UpstreamRequests requests, boolean structuredReplies, long allocationContext) {
        this.requests = requests;
        this.structuredReplies = structuredReplies;
        this.allocationContext = allocationContext;
    }

    /**
     * Completes requests from {@code link}'s replies until it ends; true when the upstream went away (its requests may
     * be sent again), false when it broke the protocol.
     */
    boolean readUntilEnd(UpstreamLink link) {
        reading = link;
        try {
            while (receiveReply()) {
                // One simple reply or one structured chunk at a time.
            }
            return link.endOfStream;
        } catch (IOException e) {
            // A reset or a closed socket: the upstream went away.
            return true;
        }
    }

    /** Reads one reply message; false when the stream ended or the upstream broke the protocol. */
    private boolean receiveReply() throws IOException {
        replyHeader.clear().limit(4);
        if (!receive(replyHeader)) {
            return false;
        }
        int magic = replyHeader.getInt(0);
        if (magic == SIMPLE_REPLY_MAGIC) {
            return simpleReply();
        }
        return magic == STRUCTURED_REPLY_MAGIC && structuredReplies && structuredChunk();
    }

    private boolean simpleReply() throws IOException {
        replyHeader.limit(SIMPLE_REPLY_HEADER_LENGTH);
        if (!receive(replyHeader)) {
            return false;
        }
        int error = replyHeader.getInt(4);
        Pending p = requests.waitingFor(replyHeader.getLong(8));
        if (p == null) {
            return false;
        }
        if (error == 0 && p.type == CMD_READ && (structuredReplies || !receive(p.data))) {
            // With structured replies a READ's data comes in chunks only.
            return false;
        }
        if (error == 0 && p.type == CMD_BLOCK_STATUS) {
            return false;
        }
        UpstreamRequests.finish(p, error == 0 ? NbdError.OK : knownError(error));
        return true;
    }

    private boolean structuredChunk() throws IOException {
        replyHeader.limit(STRUCTURED_REPLY_HEADER_LENGTH);
        if (!receive(replyHeader)) {
            return false;
        }
        int chunkFlags = replyHeader.getShort(4) & 0xFFFF;
        int type = replyHeader.getShort(6) & 0xFFFF;
        Pending p = requests.waitingFor(replyHeader.getLong(8));
        long length = replyHeader.getInt(16) & 0xFFFF_FFFFL;
        if (p == null) {
            return false;
        }
        boolean done = (chunkFlags & REPLY_FLAG_DONE) != 0;
        boolean ok;
        if ((type & REPLY_TYPE_ERROR_BIT) != 0) {
            ok = errorChunk(p, length);
        } else {
            ok = switch (type) {
                case REPLY_TYPE_NONE -> length == 0 && done;
                case REPLY_TYPE_OFFSET_DATA -> p.type == CMD_READ && dataChunk(p, length);
                case REPLY_TYPE_OFFSET_HOLE -> p.type == CMD_READ && holeChunk(p, length);
                case REPLY_TYPE_BLOCK_STATUS -> p.type == CMD_BLOCK_STATUS && statusChunk(p, length);
                default -> false;
            };
        }
        if (!ok) {
            return false;
        }
        if (done) {
            UpstreamRequests.finish(p, p.error != NbdError.OK ? p.error : complete(p) ? NbdError.OK : NbdError.EIO);
        }
        return true;
    }

    /** Whether a successful reply delivered all it must: every byte of a READ, at least one extent. */
    private static boolean complete(Pending p) {
        if (p.type == CMD_READ) {
            if (p.covered != p.length) {
                return false;
            }
            // As a simple reply would leave it: filled up to its limit.
            p.data.position(p.dataStart + (int) p.length);
        } else if (p.type == CMD_BLOCK_STATUS) {
            return p.data.position() > p.dataStart;
        }
        return true;
    }

    /** OFFSET_DATA: an offset, then data read straight into its place in the caller's buffer. */
    private boolean dataChunk(Pending p, long length) throws IOException {
        if (length <= OFFSET_DATA_PREFIX_LENGTH || !receive(chunkPrefix.clear().limit(OFFSET_DATA_PREFIX_LENGTH))) {
            return false;
        }
        long from = chunkPrefix.getLong(0) - p.offset;
        long bytes = length - OFFSET_DATA_PREFIX_LENGTH;
        if (from < 0 || from > p.length || bytes > p.length - from) {
            return false;
        }
        ByteBuffer dst = p.data;
        int start = p.dataStart + (int) from;
        dst.limit(start + (int) bytes).position(start);
        boolean whole = receive(dst);
        dst.limit(p.dataStart + (int) p.length);
        p.covered += bytes;
        return whole;
    }

    /** OFFSET_HOLE: an offset and a size that read as zeroes. */
    private boolean holeChunk(Pending p, long length) throws IOException {
        if (length != OFFSET_HOLE_LENGTH || !receive(chunkPrefix.clear().limit(OFFSET_HOLE_LENGTH))) {
            return false;
        }
        long from = chunkPrefix.getLong(0) - p.offset;
        long bytes = chunkPrefix.getInt(8) & 0xFFFF_FFFFL;
        if (from < 0 || from > p.length || bytes == 0 || bytes > p.length - from) {
            return false;
        }
        int at = p.dataStart + (int) from;
        for (long zeroed = 0; zeroed < bytes; ) {
            int n = (int) Math.min(UpstreamNbdBackend.ZERO_CHUNK, bytes - zeroed);
            p.data.put(at + (int) zeroed, UpstreamNbdBackend.ZEROES, 0, n);
            zeroed += n;
        }
        p.covered += bytes;
        return true;
    }

    /**
     * BLOCK_STATUS: the context id, then descriptors. As many as fit in the caller's buffer are kept, cut to the
     * requested range (the last may reach past it); the rest are read and dropped.
     */
    private boolean statusChunk(Pending p, long length) throws IOException {
        if (length < BLOCK_STATUS_PREFIX_LENGTH + EXTENT_LENGTH
                || (length - BLOCK_STATUS_PREFIX_LENGTH) % EXTENT_LENGTH != 0
                || p.data.position() > p.dataStart
                || !receive(chunkPrefix.clear().limit(BLOCK_STATUS_PREFIX_LENGTH))
                || (chunkPrefix.getInt(0) & 0xFFFF_FFFFL) != allocationContext) {
            return false;
        }
        long left = length - BLOCK_STATUS_PREFIX_LENGTH;
        while (left > 0) {
            int take = (int) Math.min(left, scratch.capacity());
            if (!receive(scratch.clear().limit(take))) {
                return false;
            }
            left -= take;
            for (int at = 0; at < take; at += EXTENT_LENGTH) {
                long extent = scratch.getInt(at) & 0xFFFF_FFFFL;
                if (extent == 0) {
                    return false;
                }
                if (p.covered < p.length && p.data.remaining() >= EXTENT_LENGTH) {
                    long kept = Math.min(extent, p.length - p.covered);
                    p.data.putInt((int) kept).putInt(scratch.getInt(at + 4) & (STATE_HOLE | STATE_ZERO));
                    p.covered += kept;
                }
            }
        }
        return true;
    }

    /** An error chunk of any type: the error counts, the message (and an ERROR_OFFSET's offset) is skipped. */
    private boolean errorChunk(Pending p, long length) throws IOException {
        if (length < ERROR_PREFIX_LENGTH || !receive(chunkPrefix.clear().limit(ERROR_PREFIX_LENGTH))) {
            return false;
        }
        int error = chunkPrefix.getInt(0);
        int messageLength = chunkPrefix.getShort(4) & 0xFFFF;
        if (messageLength > length - ERROR_PREFIX_LENGTH) {
            return false;
        }
        p.error = error == 0 ? NbdError.EIO : knownError(error);
        return skip(length - ERROR_PREFIX_LENGTH);
    }

    private boolean skip(long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            int take = (int) Math.min(left, scratch.capacity());
            if (!receive(scratch.clear().limit(take))) {
                return false;
            }
            left -= take;
        }
        return true;
    }

    /** An upstream's error as the gateway passes it on: one NBD knows, else EIO. */
    private static int knownError(int error) {
        return switch (error) {
            case NbdError.EPERM,
                    NbdError.EIO,
                    NbdError.ENOMEM,
                    NbdError.EINVAL,
                    NbdError.ENOSPC,
                    NbdError.EOVERFLOW,
                    NbdError.ENOTSUP,
                    NbdError.ESHUTDOWN -> error;
            default -> NbdError.EIO;
        };
    }

    private boolean receive(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (reading.in.read(buffer) < 0) {
                reading.endOfStream = true;
                return false;
            }
        }
        return true;
    }
}
