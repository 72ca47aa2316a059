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
 * An {@link UpstreamNbdBackend}'s way to its upstream and back: the current {@link UpstreamLink}, requests sent on it
 * under a send lock and pipelined through the slots of {@link UpstreamRequests} (the link's reply reader, an
 * {@link UpstreamReplyReader}, hands each caller its reply), and the reconnector that replaces a lost link while the
 * callers wait for it and send again. What the NBD commands mean to the upstream (flags, FUA, zeroes written for an
 * upstream without WRITE_ZEROES) is the backend's; this class carries a request there and its reply back. Threads and
 * locks: see CONCURRENCY.md.
 */
final class ReconnectingUpstream {
    private static final long RECONNECT_BACKOFF_MIN_MILLIS = 100;
    private static final long RECONNECT_BACKOFF_MAX_MILLIS = 2_000;
    /** A reconnect whose negotiation takes longer is abandoned and tried again. */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    /** The backend's logger: its name is what operators know the upstream's messages by. */
    private static final System.Logger LOG = System.getLogger(UpstreamNbdBackend.class.getName());

    private final UpstreamAddress address;
    private final long reconnectMillis;
    /** The export's size: an upstream that comes back with another size is not used. */
    private final long size;
    /** The connection requests are sent on; replaced by the reconnector after a loss. */
    private volatile UpstreamLink link;

    private volatile boolean closed;
    /** Guards the hand-over of {@link #link} to a reconnected one; waiters for it wait on {@link #linkReplaced}. */
    private final ReentrantLock linkLock = new ReentrantLock();

    private final Condition linkReplaced = linkLock.newCondition();
    private Thread reconnector;

    private final UpstreamRequests requests = new UpstreamRequests();
    private final UpstreamReplyReader replies;

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(REQUEST_HEADER_LENGTH);
    private final ByteBuffer[] requestParts = new ByteBuffer[2];

    /** Takes over {@code first}, a link just negotiated, and starts its reply reader. */
    ReconnectingUpstream(UpstreamAddress address, long reconnectMillis, UpstreamLink first) {
        UpstreamHandshake.Result agreed = first.agreed;
        this.address = address;
        this.reconnectMillis = reconnectMillis;
        this.size = agreed.size();
        this.replies = new UpstreamReplyReader(requests, agreed.structuredReplies(), agreed.allocationContext());
        startReader(first);
        this.link = first;
    }

    private void startReader(UpstreamLink l) {
        l.reader = Thread.ofPlatform()
                .daemon()
                .name("sluice-upstream-" + address.exportName())
                .start(() -> fail(l, replies.readUntilEnd(l)));
    }

    /**
     * Sends one request and waits for its reply; when the connection is lost first, waits for the reconnector and sends
     * it again, until {@link #reconnectMillis} after the first loss.
     */
    int call(int type, int commandFlags, long offset, long length, ByteBuffer data) {
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

    String describe() {
        return "upstream " + address.socket() + " export '" + address.exportName() + "'"
                + (address.tlsCertificates() != null ? " over TLS" : "");
    }

    /** Says goodbye (NBD_CMD_DISC) on a working link, wakes whatever still waits, and ends the threads. */
    void close() {
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
