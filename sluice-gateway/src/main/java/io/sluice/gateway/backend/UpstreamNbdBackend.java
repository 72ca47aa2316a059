package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.nbd.NbdError;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An export of another NBD server (nbdkit, qemu-storage-daemon, another gateway): the gateway is
 * its client over one connection. Dispatcher threads send requests under a send lock and park until
 * a reply-reader thread hands them their reply, so requests to the upstream are pipelined and
 * complete out of order. Where the upstream agrees, replies are structured (READ data may come in
 * several OFFSET_DATA and OFFSET_HOLE chunks, put in place in the caller's buffer) and base:allocation
 * is selected, so NBD_CMD_BLOCK_STATUS is passed through; otherwise replies are simple and every
 * extent is reported allocated. CACHE and FAST_ZERO are offered to clients only where the upstream
 * offers them, and passed through.
 *
 * <p>All of the gateway's connections to the export share this one upstream connection, so a FLUSH
 * forwarded on it covers every write any of them completed: multi-conn consistency holds whatever
 * the upstream advertises. When the upstream connection breaks, every pending and later request
 * fails with EIO (reconnecting is left to a later version).
 */
public final class UpstreamNbdBackend implements Backend {
    private static final int SLOTS = 64;
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final UpstreamAddress address;
    /** The socket, closed to end everything; {@code in} and {@code out} are it or the TLS session on it. */
    private final SocketChannel channel;
    private final ByteChannel in;
    private final GatheringByteChannel out;
    private final long size;
    private final int flags;
    private final boolean structuredReplies;
    /** The upstream's id for base:allocation; -1 when it selected none. */
    private final long allocationContext;
    private final int minimumBlock;
    private final int preferredBlock;
    private final int maximumBlock;

    private final Pending[] pending = new Pending[SLOTS];
    private final int[] freeSlots = new int[SLOTS];
    private int freeCount;
    private final ReentrantLock slotLock = new ReentrantLock();
    private final Condition slotFreed = slotLock.newCondition();

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(REQUEST_HEADER_LENGTH);
    private final ByteBuffer[] requestParts = new ByteBuffer[2];
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(STRUCTURED_REPLY_HEADER_LENGTH);
    /** The fixed fields that open a chunk's payload (an offset, a hole, an error, a context id). */
    private final ByteBuffer chunkPrefix = ByteBuffer.allocateDirect(OFFSET_HOLE_LENGTH);
    /** Block status descriptors as they arrive, and bytes the reader skips. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(512 * EXTENT_LENGTH);
    private final Thread replyReader;
    private volatile boolean broken;

    /** One in-flight request; reused. The reply reader publishes {@code error} through {@code done}. */
    private static final class Pending {
        int generation;
        int type;
        long offset;
        long length;
        /** READ destination or BLOCK_STATUS extents, filled from {@code dataStart}. */
        ByteBuffer data;
        int dataStart;
        /** Bytes of the range the reply has covered so far (READ data and holes, extents). */
        long covered;
        Thread waiter;
        int error;
        volatile boolean waiting;
        volatile boolean done;
    }

    private UpstreamNbdBackend(UpstreamAddress address, SocketChannel channel, ByteChannel session,
                               UpstreamHandshake.Result agreed) {
        this.address = address;
        this.channel = channel;
        this.in = session;
        // The socket or a TlsChannel: both gather.
        this.out = (GatheringByteChannel) session;
        this.size = agreed.size();
        this.flags = agreed.flags();
        this.structuredReplies = agreed.structuredReplies();
        this.allocationContext = agreed.allocationContext();
        this.minimumBlock = Math.max(1, agreed.minimumBlock());
        this.preferredBlock = Math.max(512, agreed.preferredBlock());
        this.maximumBlock = (int) Math.min(MAX_PAYLOAD, agreed.maximumBlock());
        for (int i = 0; i < SLOTS; i++) {
            pending[i] = new Pending();
            freeSlots[i] = i;
        }
        freeCount = SLOTS;
        this.replyReader = Thread.ofPlatform().daemon().name("sluice-upstream-" + address.exportName())
                .start(this::readReplies);
    }

    public static UpstreamNbdBackend connect(UpstreamAddress address) throws IOException {
        SocketChannel channel = address.socket() instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            channel.connect(address.socket());
            if (!(address.socket() instanceof UnixDomainSocketAddress)) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            UpstreamHandshake handshake = new UpstreamHandshake(channel);
            UpstreamHandshake.TlsStart tls = null;
            if (address.tlsCertificates() != null) {
                UpstreamTls upstream = UpstreamTls.load(address.tlsCertificates(), (InetSocketAddress) address.socket());
                tls = () -> upstream.start(channel);
            }
            UpstreamHandshake.Result agreed = handshake.negotiate(address.exportName(), tls);
            return new UpstreamNbdBackend(address, channel, handshake.channel(), agreed);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
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
        return call(CMD_READ, 0, offset, dst.remaining(), dst);
    }

    @Override
    public int write(long offset, ByteBuffer src, boolean fua) {
        boolean upstreamFua = fua && has(FLAG_SEND_FUA);
        int error = call(CMD_WRITE, upstreamFua ? CMD_FLAG_FUA : 0, offset, src.remaining(), src);
        return error == NbdError.OK && fua && !upstreamFua ? flush() : error;
    }

    @Override
    public int flush() {
        // An upstream that does not offer FLUSH has no volatile cache to flush.
        return has(FLAG_SEND_FLUSH) ? call(CMD_FLUSH, 0, 0, 0, null) : NbdError.OK;
    }

    @Override
    public int trim(long offset, long length, boolean fua) {
        if (!has(FLAG_SEND_TRIM)) {
            return NbdError.OK;
        }
        boolean upstreamFua = fua && has(FLAG_SEND_FUA);
        int error = call(CMD_TRIM, upstreamFua ? CMD_FLAG_FUA : 0, offset, length, null);
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
            int commandFlags = (upstreamFua ? CMD_FLAG_FUA : 0) | (noHole ? CMD_FLAG_NO_HOLE : 0)
                    | (fastOnly ? CMD_FLAG_FAST_ZERO : 0);
            error = call(CMD_WRITE_ZEROES, commandFlags, offset, length, null);
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
                error = call(CMD_WRITE, 0, offset + done, zeroes.remaining(), zeroes);
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
        return has(FLAG_SEND_CACHE) ? call(CMD_CACHE, 0, offset, length, null) : NbdError.OK;
    }

    /** The upstream's own base:allocation, when it selected it; REQ_ONE when there is room for one extent only. */
    @Override
    public int blockStatus(long offset, long length, ByteBuffer extents) {
        if (allocationContext < 0) {
            return Backend.super.blockStatus(offset, length, extents);
        }
        int commandFlags = extents.remaining() < 2 * EXTENT_LENGTH ? CMD_FLAG_REQ_ONE : 0;
        return call(CMD_BLOCK_STATUS, commandFlags, offset, length, extents);
    }

    private boolean has(int flag) {
        return (flags & flag) != 0;
    }

    private int call(int type, int commandFlags, long offset, long length, ByteBuffer data) {
        if (broken) {
            return NbdError.EIO;
        }
        int slot;
        try {
            slot = takeSlot();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NbdError.EIO;
        }
        Pending p = pending[slot];
        p.type = type;
        p.offset = offset;
        p.length = length;
        p.data = type == CMD_READ || type == CMD_BLOCK_STATUS ? data : null;
        p.dataStart = p.data != null ? p.data.position() : 0;
        p.covered = 0;
        p.error = NbdError.OK;
        p.waiter = Thread.currentThread();
        p.done = false;
        p.waiting = true;
        try {
            // Checked after announcing ourselves: either the failing reader sees us waiting, or we see it broken.
            if (broken || !send(type, commandFlags, handle(slot), offset, length, type == CMD_WRITE ? data : null)) {
                return NbdError.EIO;
            }
            while (!p.done) {
                LockSupport.park(this);
            }
            return p.error;
        } finally {
            p.waiting = false;
            p.data = null;
            p.waiter = null;
            releaseSlot(slot);
        }
    }

    private long handle(int slot) {
        return ((long) pending[slot].generation << 32) | slot;
    }

    private boolean send(int type, int commandFlags, long handle, long offset, long length, ByteBuffer payload) {
        sendLock.lock();
        try {
            requestHeader.clear();
            requestHeader.putInt(REQUEST_MAGIC).putShort((short) commandFlags).putShort((short) type)
                    .putLong(handle).putLong(offset).putInt((int) length).flip();
            if (payload == null) {
                while (requestHeader.hasRemaining()) {
                    out.write(requestHeader);
                }
            } else {
                requestParts[0] = requestHeader;
                requestParts[1] = payload;
                while (payload.hasRemaining()) {
                    out.write(requestParts);
                }
                requestParts[1] = null;
            }
            return true;
        } catch (IOException e) {
            fail();
            return false;
        } finally {
            sendLock.unlock();
        }
    }

    private void readReplies() {
        try {
            while (receiveReply()) {
                // One simple reply or one structured chunk at a time.
            }
        } catch (IOException e) {
            // The upstream went away or sent garbage: fail everything below.
        }
        fail();
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
        Pending p = pendingFor(replyHeader.getLong(8));
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
        finish(p, error == 0 ? NbdError.OK : knownError(error));
        return true;
    }

    private boolean structuredChunk() throws IOException {
        replyHeader.limit(STRUCTURED_REPLY_HEADER_LENGTH);
        if (!receive(replyHeader)) {
            return false;
        }
        int chunkFlags = replyHeader.getShort(4) & 0xFFFF;
        int type = replyHeader.getShort(6) & 0xFFFF;
        Pending p = pendingFor(replyHeader.getLong(8));
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
            finish(p, p.error != NbdError.OK ? p.error : complete(p) ? NbdError.OK : NbdError.EIO);
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
            int n = (int) Math.min(ZERO_CHUNK, bytes - zeroed);
            p.data.put(at + (int) zeroed, ZEROES, 0, n);
            zeroed += n;
        }
        p.covered += bytes;
        return true;
    }

    /**
     * BLOCK_STATUS: the context id, then descriptors. As many as fit in the caller's buffer are kept,
     * cut to the requested range (the last may reach past it); the rest are read and dropped.
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

    /** The waiting request a reply's handle names, or null when none does (a protocol violation). */
    private Pending pendingFor(long handle) {
        int slot = (int) handle;
        if (slot < 0 || slot >= SLOTS) {
            return null;
        }
        Pending p = pending[slot];
        return p.waiting && !p.done && (int) (handle >>> 32) == p.generation ? p : null;
    }

    private static void finish(Pending p, int error) {
        p.error = error;
        p.done = true;
        LockSupport.unpark(p.waiter);
    }

    /** Marks the connection broken and wakes every waiting caller with EIO. */
    private void fail() {
        broken = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Already failing.
        }
        for (Pending p : pending) {
            if (p.waiting && !p.done) {
                p.error = NbdError.EIO;
                p.done = true;
                LockSupport.unpark(p.waiter);
            }
        }
    }

    private static int knownError(int error) {
        return switch (error) {
            case NbdError.EPERM, NbdError.EIO, NbdError.ENOMEM, NbdError.EINVAL, NbdError.ENOSPC,
                 NbdError.EOVERFLOW, NbdError.ENOTSUP, NbdError.ESHUTDOWN -> error;
            default -> NbdError.EIO;
        };
    }

    private int takeSlot() throws InterruptedException {
        slotLock.lockInterruptibly();
        try {
            while (freeCount == 0) {
                slotFreed.await();
            }
            return freeSlots[--freeCount];
        } finally {
            slotLock.unlock();
        }
    }

    private void releaseSlot(int slot) {
        slotLock.lock();
        try {
            // A new generation makes a late or duplicated reply for the old request detectable.
            pending[slot].generation++;
            freeSlots[freeCount++] = slot;
            slotFreed.signal();
        } finally {
            slotLock.unlock();
        }
    }

    private boolean receive(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    /** NBD does not say how much of an export is allocated. */
    @Override
    public Space space() {
        return new Space(size, -1);
    }

    @Override
    public String describe() {
        return "upstream " + address.socket() + " export '" + address.exportName() + "'"
                + (address.tlsCertificates() != null ? " over TLS" : "");
    }

    @Override
    public void close() {
        if (!broken) {
            send(CMD_DISC, 0, 0, 0, 0, null);
        }
        fail();
        try {
            replyReader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
