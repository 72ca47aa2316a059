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
 * complete out of order. Replies are simple replies (structured replies are not negotiated), so the
 * reader knows a READ's data length from the pending request its handle names.
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
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(SIMPLE_REPLY_HEADER_LENGTH);
    private final Thread replyReader;
    private volatile boolean broken;

    /** One in-flight request; reused. The reply reader publishes {@code error} through {@code done}. */
    private static final class Pending {
        int generation;
        int type;
        ByteBuffer readInto;
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
    public int writeZeroes(long offset, long length, boolean fua) {
        boolean upstreamFua = fua && has(FLAG_SEND_FUA);
        int error;
        if (has(FLAG_SEND_WRITE_ZEROES)) {
            error = call(CMD_WRITE_ZEROES, upstreamFua ? CMD_FLAG_FUA : 0, offset, length, null);
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
        p.readInto = type == CMD_READ ? data : null;
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
            p.readInto = null;
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
            while (true) {
                replyHeader.clear();
                if (!receive(replyHeader)) {
                    break;
                }
                if (replyHeader.getInt(0) != SIMPLE_REPLY_MAGIC) {
                    break;
                }
                int error = replyHeader.getInt(4);
                long handle = replyHeader.getLong(8);
                int slot = (int) handle;
                if (slot < 0 || slot >= SLOTS) {
                    break;
                }
                Pending p = pending[slot];
                if (!p.waiting || p.done || (int) (handle >>> 32) != p.generation) {
                    break;
                }
                if (p.type == CMD_READ && error == 0 && !receive(p.readInto)) {
                    break;
                }
                p.error = error == 0 ? NbdError.OK : knownError(error);
                p.done = true;
                LockSupport.unpark(p.waiter);
            }
        } catch (IOException e) {
            // The upstream went away or sent garbage: fail everything below.
        }
        fail();
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
