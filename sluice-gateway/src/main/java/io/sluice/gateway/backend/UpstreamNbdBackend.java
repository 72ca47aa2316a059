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
import java.util.concurrent.TimeUnit;
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
 * the upstream advertises.
 *
 * <p>When the upstream connection breaks (the upstream restarted, the network dropped), a reconnector
 * thread connects and negotiates again, backing off from 100 ms to 2 s, and the requests that were in
 * flight or arrive meanwhile wait for it and are sent again: every NBD command is idempotent (a write
 * writes the same bytes at the same offset), so a request the upstream may have carried out before
 * it went away is safe to repeat. A request fails with EIO only when the upstream has not come back
 * within {@link #DEFAULT_RECONNECT_MILLIS} of the loss, or comes back with another size. An upstream
 * that breaks the protocol fails the requests in flight with EIO (repeating them would repeat the
 * garbage) and is reconnected for the next ones.
 */
public final class UpstreamNbdBackend implements Backend {
    private static final int SLOTS = 64;
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    /** How long requests wait for a lost upstream to come back before they fail with EIO. */
    public static final long DEFAULT_RECONNECT_MILLIS = 30_000;
    private static final long RECONNECT_BACKOFF_MIN_MILLIS = 100;
    private static final long RECONNECT_BACKOFF_MAX_MILLIS = 2_000;
    /** A reconnect whose negotiation takes longer is abandoned and tried again. */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final System.Logger LOG = System.getLogger(UpstreamNbdBackend.class.getName());

    private final UpstreamAddress address;
    private final long reconnectMillis;
    /** The connection requests are sent on; replaced by the reconnector after a loss. */
    private volatile Link link;
    private volatile boolean closed;
    /** Guards the hand-over of {@link #link} to a reconnected one; waiters for it wait on {@link #linkReplaced}. */
    private final ReentrantLock linkLock = new ReentrantLock();
    private final Condition linkReplaced = linkLock.newCondition();
    private Thread reconnector;
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
    /** Buffers of the reply reader; one reader runs at a time (a new one starts after the old one ended). */
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(STRUCTURED_REPLY_HEADER_LENGTH);
    /** The fixed fields that open a chunk's payload (an offset, a hole, an error, a context id). */
    private final ByteBuffer chunkPrefix = ByteBuffer.allocateDirect(OFFSET_HOLE_LENGTH);
    /** Block status descriptors as they arrive, and bytes the reader skips. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(512 * EXTENT_LENGTH);

    /** One connection to the upstream, with the thread that reads its replies. */
    /** The connection the reply reader is on; the reader thread's alone. */
    private Link reading;

    private static final class Link {
        /** The socket, closed to end everything; {@code in} and {@code out} are it or the TLS session on it. */
        final SocketChannel channel;
        final ByteChannel in;
        final GatheringByteChannel out;
        Thread reader;
        volatile boolean broken;
        /** Set by the reader when the stream simply ended (the upstream went away), as against garbage. */
        boolean endOfStream;

        Link(SocketChannel channel, ByteChannel session) {
            this.channel = channel;
            this.in = session;
            // The socket or a TlsChannel: both gather.
            this.out = (GatheringByteChannel) session;
        }
    }

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
        /** The connection it was sent on; {@code lost} when that connection went away before its reply. */
        Link link;
        boolean lost;
        volatile boolean waiting;
        volatile boolean done;
    }

    private UpstreamNbdBackend(UpstreamAddress address, long reconnectMillis, Link first, UpstreamHandshake.Result agreed) {
        this.address = address;
        this.reconnectMillis = reconnectMillis;
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
        startReader(first);
        this.link = first;
    }

    public static UpstreamNbdBackend connect(UpstreamAddress address) throws IOException {
        return connect(address, DEFAULT_RECONNECT_MILLIS);
    }

    /** @param reconnectMillis how long requests wait for a lost upstream to come back */
    public static UpstreamNbdBackend connect(UpstreamAddress address, long reconnectMillis) throws IOException {
        Opened opened = open(address, 0);
        return new UpstreamNbdBackend(address, reconnectMillis, opened.link(), opened.agreed());
    }

    private record Opened(Link link, UpstreamHandshake.Result agreed) {
    }

    /** Connects and negotiates; with {@code timeoutMillis} > 0 the socket is closed if that takes longer. */
    private static Opened open(UpstreamAddress address, long timeoutMillis) throws IOException {
        SocketChannel channel = address.socket() instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        java.util.concurrent.CountDownLatch negotiated = new java.util.concurrent.CountDownLatch(1);
        if (timeoutMillis > 0) {
            Thread.ofVirtual().start(() -> {
                try {
                    if (!negotiated.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                        closeQuietly(channel);
                    }
                } catch (InterruptedException ignored) {
                    // not interrupted by anyone
                }
            });
        }
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
            return new Opened(new Link(channel, handshake.channel()), agreed);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        } finally {
            negotiated.countDown();
        }
    }

    private void startReader(Link l) {
        l.reader = Thread.ofPlatform().daemon().name("sluice-upstream-" + address.exportName()).start(() -> readReplies(l));
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

    /**
     * Sends one request and waits for its reply; when the connection is lost first, waits for the reconnector and
     * sends it again, until {@link #reconnectMillis} after the first loss.
     */
    private int call(int type, int commandFlags, long offset, long length, ByteBuffer data) {
        long giveUpAt = 0;
        int start = data == null ? 0 : data.position();
        while (true) {
            Link l = link;
            if (l.broken) {
                if (giveUpAt == 0) {
                    giveUpAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(reconnectMillis);
                }
                l = awaitLink(l, giveUpAt);
                if (l == null) {
                    return NbdError.EIO;
                }
            }
            if (data != null) {
                // A request sent again starts over: a WRITE's payload, a READ's or BLOCK_STATUS's buffer.
                data.position(start);
            }
            int error = callOn(l, type, commandFlags, offset, length, data);
            if (error != LOST) {
                return error;
            }
        }
    }

    /** Not an NBD error: the connection went away before the reply, so the request may be sent again. */
    private static final int LOST = -1;

    /** The connection that replaced {@code broken}, or null when none came by {@code giveUpAt} (or the backend closed). */
    private Link awaitLink(Link broken, long giveUpAt) {
        linkLock.lock();
        try {
            while (link == broken && !closed) {
                long left = giveUpAt - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                linkReplaced.awaitNanos(left);
            }
            return closed ? null : link;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            linkLock.unlock();
        }
    }

    private int callOn(Link l, int type, int commandFlags, long offset, long length, ByteBuffer data) {
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
        p.link = l;
        p.lost = false;
        p.waiter = Thread.currentThread();
        p.done = false;
        p.waiting = true;
        try {
            // Checked after announcing ourselves: either the failing reader sees us waiting, or we see it broken.
            if (l.broken || !send(l, type, commandFlags, handle(slot), offset, length, type == CMD_WRITE ? data : null)) {
                return LOST;
            }
            while (!p.done) {
                LockSupport.park(this);
            }
            return p.lost ? LOST : p.error;
        } finally {
            p.waiting = false;
            p.data = null;
            p.link = null;
            p.waiter = null;
            releaseSlot(slot);
        }
    }

    private long handle(int slot) {
        return ((long) pending[slot].generation << 32) | slot;
    }

    private boolean send(Link l, int type, int commandFlags, long handle, long offset, long length, ByteBuffer payload) {
        sendLock.lock();
        try {
            requestHeader.clear();
            requestHeader.putInt(REQUEST_MAGIC).putShort((short) commandFlags).putShort((short) type)
                    .putLong(handle).putLong(offset).putInt((int) length).flip();
            if (payload == null) {
                while (requestHeader.hasRemaining()) {
                    l.out.write(requestHeader);
                }
            } else {
                requestParts[0] = requestHeader;
                requestParts[1] = payload;
                while (payload.hasRemaining()) {
                    l.out.write(requestParts);
                }
                requestParts[1] = null;
            }
            return true;
        } catch (IOException e) {
            requestParts[1] = null;
            fail(l, true);
            return false;
        } finally {
            sendLock.unlock();
        }
    }

    private void readReplies(Link l) {
        boolean lost;
        try {
            while (receiveReply(l)) {
                // One simple reply or one structured chunk at a time.
            }
            lost = l.endOfStream;
        } catch (IOException e) {
            // The upstream went away (a reset, a closed socket): what was in flight may be sent again.
            lost = true;
        }
        fail(l, lost);
    }

    /** Reads one reply message; false when the stream ended or the upstream broke the protocol. */
    private boolean receiveReply(Link l) throws IOException {
        reading = l;
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

    /**
     * Marks a connection broken and wakes every caller waiting on it: {@code lost} (the upstream went away) lets
     * them send again on the next connection; otherwise they fail with EIO. Then starts the reconnector.
     */
    private void fail(Link l, boolean lost) {
        l.broken = true;
        try {
            l.channel.close();
        } catch (IOException ignored) {
            // Already failing.
        }
        for (Pending p : pending) {
            if (p.waiting && !p.done && p.link == l) {
                p.lost = lost;
                p.error = NbdError.EIO;
                p.done = true;
                LockSupport.unpark(p.waiter);
            }
        }
        startReconnector(l);
    }

    private void startReconnector(Link broken) {
        linkLock.lock();
        try {
            if (closed || link != broken || reconnector != null) {
                return;
            }
            reconnector = Thread.ofPlatform().daemon().name("sluice-upstream-reconnect-" + address.exportName())
                    .start(() -> reconnect(broken));
        } finally {
            linkLock.unlock();
        }
    }

    /** The reconnector's loop: connects and negotiates again until it gets the same export back, or the backend closes. */
    private void reconnect(Link broken) {
        LOG.log(System.Logger.Level.WARNING, describe() + ": connection lost; reconnecting");
        try {
            broken.reader.join();
            long backoff = RECONNECT_BACKOFF_MIN_MILLIS;
            while (!closed) {
                Opened opened = tryOpen();
                if (opened != null && publish(opened.link())) {
                    LOG.log(System.Logger.Level.INFO, describe() + ": reconnected");
                    return;
                }
                Thread.sleep(backoff);
                backoff = Math.min(2 * backoff, RECONNECT_BACKOFF_MAX_MILLIS);
            }
        } catch (InterruptedException e) {
            // close() interrupts a reconnect still waiting or connecting.
        }
    }

    /** One attempt, abandoned if the negotiation outlasts {@link #HANDSHAKE_TIMEOUT_MILLIS}; null when it failed. */
    private Opened tryOpen() {
        try {
            Opened opened = open(address, HANDSHAKE_TIMEOUT_MILLIS);
            if (opened.agreed().size() != size) {
                LOG.log(System.Logger.Level.ERROR, describe() + " came back with " + opened.agreed().size()
                        + " bytes instead of " + size + ": not used; requests fail until it has its old size");
                opened.link().channel.close();
                return null;
            }
            return opened;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Makes a new connection current and wakes the callers waiting for it (or closes it, the backend being closed). */
    private boolean publish(Link fresh) throws InterruptedException {
        linkLock.lock();
        try {
            if (closed) {
                closeQuietly(fresh.channel);
                return true;
            }
            link = fresh;
            reconnector = null;
            // Started after the old reader ended (joined above), under the lock, so a failure it sees finds it current.
            startReader(fresh);
            linkReplaced.signalAll();
            return true;
        } finally {
            linkLock.unlock();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do with it
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
            if (reading.in.read(buffer) < 0) {
                reading.endOfStream = true;
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
        Link l;
        Thread reconnecting;
        linkLock.lock();
        try {
            closed = true;
            l = link;
            reconnecting = reconnector;
            linkReplaced.signalAll();
        } finally {
            linkLock.unlock();
        }
        if (!l.broken) {
            send(l, CMD_DISC, 0, 0, 0, 0, null);
        }
        fail(l, false);
        try {
            if (reconnecting != null) {
                reconnecting.interrupt();
                reconnecting.join();
            }
            l.reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
