package io.sluice.gateway.backend;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.nbd.NbdError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An export of another NBD server (nbdkit, qemu-storage-daemon, another gateway): the gateway is its client over one
 * connection ({@link UpstreamLink}). Dispatcher threads send requests under a send lock and park in a slot of
 * {@link UpstreamRequests} until the link's reply-reader thread ({@link UpstreamReplyReader}) hands them their reply,
 * so requests to the upstream are pipelined and complete out of order. Where the upstream agrees, replies are
 * structured (READ data may come in several OFFSET_DATA and OFFSET_HOLE chunks, put in place in the caller's buffer)
 * and base:allocation is selected, so NBD_CMD_BLOCK_STATUS is passed through; otherwise replies are simple and every
 * extent is reported allocated. CACHE and FAST_ZERO are offered to clients only where the upstream offers them, and
 * passed through.
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

    private static final long RECONNECT_BACKOFF_MIN_MILLIS = 100;
    private static final long RECONNECT_BACKOFF_MAX_MILLIS = 2_000;
    /** A reconnect whose negotiation takes longer is abandoned and tried again. */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private static final System.Logger LOG = System.getLogger(UpstreamNbdBackend.class.getName());

    private final UpstreamAddress address;
    private final long reconnectMillis;
    /** The connection requests are sent on; replaced by the reconnector after a loss. */
    private volatile UpstreamLink link;

    private volatile boolean closed;
    /** Guards the hand-over of {@link #link} to a reconnected one; waiters for it wait on {@link #linkReplaced}. */
    private final ReentrantLock linkLock = new ReentrantLock();

    private final Condition linkReplaced = linkLock.newCondition();
    private Thread reconnector;
    private final long size;
    private final int flags;
    /** The upstream's id for base:allocation; -1 when it selected none. */
    private final long allocationContext;

    private final UpstreamRequests requests = new UpstreamRequests();
    private final UpstreamReplyReader replies;
    private final int minimumBlock;
    private final int preferredBlock;
    private final int maximumBlock;

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(REQUEST_HEADER_LENGTH);
    private final ByteBuffer[] requestParts = new ByteBuffer[2];

    private UpstreamNbdBackend(UpstreamAddress address, long reconnectMillis, UpstreamLink first) {
        UpstreamHandshake.Result agreed = first.agreed;
        this.address = address;
        this.reconnectMillis = reconnectMillis;
        this.size = agreed.size();
        this.flags = agreed.flags();
        this.allocationContext = agreed.allocationContext();
        this.minimumBlock = Math.max(1, agreed.minimumBlock());
        this.preferredBlock = Math.max(512, agreed.preferredBlock());
        this.maximumBlock = (int) Math.min(MAX_PAYLOAD, agreed.maximumBlock());
        this.replies = new UpstreamReplyReader(requests, agreed.structuredReplies(), allocationContext);
        startReader(first);
        this.link = first;
    }

    public static UpstreamNbdBackend connect(UpstreamAddress address) throws IOException {
        return connect(address, DEFAULT_RECONNECT_MILLIS);
    }

    /** @param reconnectMillis how long requests wait for a lost upstream to come back */
    public static UpstreamNbdBackend connect(UpstreamAddress address, long reconnectMillis) throws IOException {
        UpstreamLink first = UpstreamLink.open(address, 0);
        return new UpstreamNbdBackend(address, reconnectMillis, first);
    }

    private void startReader(UpstreamLink l) {
        l.reader = Thread.ofPlatform()
                .daemon()
                .name("sluice-upstream-" + address.exportName())
                .start(() -> fail(l, replies.readUntilEnd(l)));
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
            int commandFlags = (upstreamFua ? CMD_FLAG_FUA : 0)
                    | (noHole ? CMD_FLAG_NO_HOLE : 0)
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
     * Sends one request and waits for its reply; when the connection is lost first, waits for the reconnector and sends
     * it again, until {@link #reconnectMillis} after the first loss.
     */
    private int call(int type, int commandFlags, long offset, long length, ByteBuffer data) {
        long giveUpAt = 0;
        int start = data == null ? 0 : data.position();
        while (true) {
            UpstreamLink l = link;
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

    /**
     * The connection that replaced {@code broken}, or null when none came by {@code giveUpAt} (or the backend closed).
     */
    private UpstreamLink awaitLink(UpstreamLink broken, long giveUpAt) {
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

    private int callOn(UpstreamLink l, int type, int commandFlags, long offset, long length, ByteBuffer data) {
        int slot;
        try {
            slot = requests.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NbdError.EIO;
        }
        UpstreamRequests.Pending p = requests.slot(slot);
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
            if (l.broken
                    || !send(
                            l,
                            type,
                            commandFlags,
                            requests.handle(slot),
                            offset,
                            length,
                            type == CMD_WRITE ? data : null)) {
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
            requests.release(slot);
        }
    }

    private boolean send(
            UpstreamLink l, int type, int commandFlags, long handle, long offset, long length, ByteBuffer payload) {
        sendLock.lock();
        try {
            requestHeader.clear();
            requestHeader
                    .putInt(REQUEST_MAGIC)
                    .putShort((short) commandFlags)
                    .putShort((short) type)
                    .putLong(handle)
                    .putLong(offset)
                    .putInt((int) length)
                    .flip();
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

    /**
     * Marks a connection broken and wakes every caller waiting on it: {@code lost} (the upstream went away) lets them
     * send again on the next connection; otherwise they fail with EIO. Then starts the reconnector.
     */
    private void fail(UpstreamLink l, boolean lost) {
        l.broken = true;
        closeQuietly(l.channel);
        requests.failAll(l, lost);
        startReconnector(l);
    }

    private void startReconnector(UpstreamLink broken) {
        linkLock.lock();
        try {
            if (closed || link != broken || reconnector != null) {
                return;
            }
            reconnector = Thread.ofPlatform()
                    .daemon()
                    .name("sluice-upstream-reconnect-" + address.exportName())
                    .start(() -> reconnect(broken));
        } finally {
            linkLock.unlock();
        }
    }

    /**
     * The reconnector's loop: connects and negotiates again until it gets the same export back, or the backend closes.
     */
    private void reconnect(UpstreamLink broken) {
        LOG.log(System.Logger.Level.WARNING, describe() + ": connection lost; reconnecting");
        try {
            broken.reader.join();
            long backoff = RECONNECT_BACKOFF_MIN_MILLIS;
            while (!closed) {
                UpstreamLink opened = tryOpen();
                if (opened != null && publish(opened)) {
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
    private UpstreamLink tryOpen() {
        try {
            UpstreamLink opened = UpstreamLink.open(address, HANDSHAKE_TIMEOUT_MILLIS);
            if (opened.agreed.size() != size) {
                LOG.log(
                        System.Logger.Level.ERROR,
                        describe() + " came back with " + opened.agreed.size() + " bytes instead of " + size
                                + ": not used; requests fail until it has its old size");
                opened.channel.close();
                return null;
            }
            return opened;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Makes a new connection current and wakes the callers waiting for it (or closes it, the backend being closed). */
    private boolean publish(UpstreamLink fresh) throws InterruptedException {
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
        UpstreamLink l;
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
