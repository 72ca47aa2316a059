package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.nbd.NbdError;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An export of another NBD server (nbdkit, qemu-storage-daemon, another gateway): the gateway is its client over one
 * connection ({@link UpstreamLink}), kept by a {@link ReconnectingUpstream}. Dispatcher threads send requests under a
 * send lock and park in a slot of {@link UpstreamRequests} until the link's reply-reader thread
 * ({@link UpstreamReplyReader}) hands them their reply, so requests to the upstream are pipelined and complete out of
 * order. Where the upstream agrees, replies are structured (READ data may come in several OFFSET_DATA and OFFSET_HOLE
 * chunks, put in place in the caller's buffer) and base:allocation is selected, so NBD_CMD_BLOCK_STATUS is passed
 * through; otherwise replies are simple and every extent is reported allocated. CACHE and FAST_ZERO are offered to
 * clients only where the upstream offers them, and passed through.
 *
 * <p>All of the gateway's connections to the export share this one upstream connection, so a FLUSH forwarded on it
 * covers every write any of them completed: multi-conn consistency holds whatever the upstream advertises.
 *
 * <p>When the upstream connection breaks (the upstream restarted, the network dropped), a reconnector thread connects
 * and negotiates again, backing off from 100 ms to 2 s, and the requests that were in flight or arrive meanwhile wait
 * for it and are sent again: every NBD command is idempotent (a write writes the same bytes at the same offset), so a
 * request the upstream may have carried out before it went away is safe to repeat. A request fails with EIO only when
 * the upstream has not come back within {@link #DEFAULT_RECONNECT_MILLIS} of the loss, or comes back with another size.
 * An upstream that breaks the protocol fails the requests in flight with EIO (repeating them would repeat the garbage)
 * and is reconnected for the next ones.
 */
public final class UpstreamNbdBackend implements Backend {
    static final int ZERO_CHUNK = 1 << 20;
    /** A read-only MiB of zeroes: holes read from it, and WRITE_ZEROES written with it to an upstream without it. */
    static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    /** How long requests wait for a lost upstream to come back before they fail with EIO. */
    public static final long DEFAULT_RECONNECT_MILLIS = 30_000;

    /** Carries requests to the upstream and their replies back, across reconnects. */
    private final ReconnectingUpstream upstream;

    private final long size;
    private final int flags;
    /** The upstream's id for base:allocation; -1 when it selected none. */
    private final long allocationContext;

    private final int minimumBlock;
    private final int preferredBlock;
    private final int maximumBlock;

    private UpstreamNbdBackend(UpstreamAddress address, long reconnectMillis, UpstreamLink first) {
        UpstreamHandshake.Result agreed = first.agreed;
        this.size = agreed.size();
        this.flags = agreed.flags();
        this.allocationContext = agreed.allocationContext();
        this.minimumBlock = Math.max(1, agreed.minimumBlock());
        this.preferredBlock = Math.max(512, agreed.preferredBlock());
        this.maximumBlock = (int) Math.min(MAX_PAYLOAD, agreed.maximumBlock());
        this.upstream = new ReconnectingUpstream(address, reconnectMillis, first);
    }

    public static UpstreamNbdBackend connect(UpstreamAddress address) throws IOException {
        return connect(address, DEFAULT_RECONNECT_MILLIS);
    }

    /** @param reconnectMillis how long requests wait for a lost upstream to come back */
    public static UpstreamNbdBackend connect(UpstreamAddress address, long reconnectMillis) throws IOException {
        UpstreamLink first = UpstreamLink.open(address, 0);
        return new UpstreamNbdBackend(address, reconnectMillis, first);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return (flags & FLAG_READ_ONLY) != 0;
    }

    @Override
    public int minimumBlockSize() {
        return minimumBlock;
    }

    @Override
    public int preferredBlockSize() {
        return preferredBlock;
    }

    @Override
    public int maximumBlockSize() {
        return maximumBlock;
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        return upstream.call(CMD_READ, 0, offset, dst.remaining(), dst);
    }

    @Override
    public int write(long offset, ByteBuffer src, boolean fua) {
        boolean upstreamFua = fua && has(FLAG_SEND_FUA);
        int error = upstream.call(CMD_WRITE, upstreamFua ? CMD_FLAG_FUA : 0, offset, src.remaining(), src);
        return error == NbdError.OK && fua && !upstreamFua ? flush() : error;
    }

    @Override
    public int flush() {
        // An upstream that does not offer FLUSH has no volatile cache to flush.
        return has(FLAG_SEND_FLUSH) ? upstream.call(CMD_FLUSH, 0, 0, 0, null) : NbdError.OK;
    }

    @Override
    public int trim(long offset, long length, boolean fua) {
        if (!has(FLAG_SEND_TRIM)) {
            return NbdError.OK;
        }
        boolean upstreamFua = fua && has(FLAG_SEND_FUA);
        int error = upstream.call(CMD_TRIM, upstreamFua ? CMD_FLAG_FUA : 0, offset, length, null);
        return error == NbdError.OK && fua && !upstreamFua ? flush() : error;
    }

    @Override
    public int writeZeroes(long offset, long length, boolean fua, boolean noHole, boolean fastOnly) {
        boolean upstreamFua = fua && has(FLAG_SEND_FUA);
        int error;
        if (has(FLAG_SEND_WRITE_ZEROES)) {
            if (fastOnly && !has(FLAG_SEND_FAST_ZERO)) {
                return NbdError.ENOTSUP;
            }
            int commandFlags = (upstreamFua ? CMD_FLAG_FUA : 0)
                    | (noHole ? CMD_FLAG_NO_HOLE : 0)
                    | (fastOnly ? CMD_FLAG_FAST_ZERO : 0);
            error = upstream.call(CMD_WRITE_ZEROES, commandFlags, offset, length, null);
        } else if (fastOnly) {
            // Zeroes would have to be written: never fast.
            return NbdError.ENOTSUP;
        } else {
            upstreamFua = false;
            error = NbdError.OK;
            int chunk = Math.min(ZERO_CHUNK, maximumBlock & -minimumBlock);
            for (long done = 0; done < length && error == NbdError.OK; done += chunk) {
                ByteBuffer zeroes = ZEROES.duplicate();
                zeroes.limit((int) Math.min(chunk, length - done));
                error = upstream.call(CMD_WRITE, 0, offset + done, zeroes.remaining(), zeroes);
            }
        }
        return error == NbdError.OK && fua && !upstreamFua ? flush() : error;
    }

    @Override
    public boolean canFastZero() {
        return has(FLAG_SEND_WRITE_ZEROES) && has(FLAG_SEND_FAST_ZERO);
    }

    @Override
    public boolean canCache() {
        return has(FLAG_SEND_CACHE);
    }

    @Override
    public int cache(long offset, long length) {
        return has(FLAG_SEND_CACHE) ? upstream.call(CMD_CACHE, 0, offset, length, null) : NbdError.OK;
    }

    /** The upstream's own base:allocation, when it selected it; REQ_ONE when there is room for one extent only. */
    @Override
    public int blockStatus(long offset, long length, ByteBuffer extents) {
        if (allocationContext < 0) {
            return Backend.super.blockStatus(offset, length, extents);
        }
        int commandFlags = extents.remaining() < 2 * EXTENT_LENGTH ? CMD_FLAG_REQ_ONE : 0;
        return upstream.call(CMD_BLOCK_STATUS, commandFlags, offset, length, extents);
    }

    private boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** NBD does not say how much of an export is allocated. */
    @Override
    public Space space() {
        return new Space(size, -1);
    }

    @Override
    public String describe() {
        return upstream.describe();
    }

    @Override
    public void close() {
        upstream.close();
    }
}
