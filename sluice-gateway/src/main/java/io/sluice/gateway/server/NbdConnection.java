package io.sluice.gateway.server;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.export.BoundedRequestQueue;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.export.RequestScheduler;
import io.sluice.gateway.nbd.NbdError;
import io.sluice.gateway.nbd.NbdRequestDecoder;
import io.sluice.gateway.tls.EngineTlsChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * One client. A reader thread does the handshake, then parses requests and admits them to the export's scheduler. When
 * the scheduler lets a request go at once and the client has sent nothing more yet, the reader runs it itself, like a
 * thread of nbdkit's; otherwise the request waits for a dispatcher thread. Replies go out through the
 * {@link ReplySender}: the socket is non-blocking from the end of the handshake, and the thread that finished the
 * request sends its reply itself when the socket takes it, so a request needs no hand-off and no wake-up on the way
 * back; the writer thread only finishes what the socket would not take at once. Over TLS likewise: the session is an
 * SSLEngine's on the same non-blocking socket. A connection owns {@code requestSlots} {@link IoRequest}s: when all are
 * in flight the reader stops reading, and when the export's queue is full the reader blocks in submit, so a fast client
 * is slowed by TCP itself. A client that stops reading its replies stalls only its own connection. The negotiation is a
 * {@link Handshake}'s; in transmission the reader's reads of the client (inbox, selector, bounded spin) are a
 * {@link ClientInput}'s. See CONCURRENCY.md.
 */
final class NbdConnection implements IoRequest.Completion {
    private static final long SLOT_WAIT_NANOS = 100_000_000;
    /** One NBD_CMD_BLOCK_STATUS reply carries at most this many bytes of descriptors (512 extents). */
    private static final int EXTENTS_BYTES = 512 * EXTENT_LENGTH;

    private final long id;
    private final SocketChannel channel;
    private final Exports exports;
    private final NbdTls tls;
    private final boolean forcedTls;
    private final ConnectionSettings settings;
    private final MemoryBudget bufferMemory;
    private final Consumer<NbdConnection> onClosed;
    private final long handshakeDeadlineNanos;

    private final BoundedRequestQueue free;
    private final NbdRequestDecoder decoder = new NbdRequestDecoder();

    private volatile boolean transmitting;
    private Thread reader;
    private Export export;
    /** Where the reader waits for input on the non-blocking socket; set when transmission starts. */
    private volatile SocketReadiness readable;
    /** What the reader reads from the client; set when transmission starts. */
    private ClientInput input;
    /** Set by the reader before any request is read; sends the replies. */
    private volatile ReplySender replies;

    private BufferPool buffers;
    /** A slot the reader has taken but not yet handed on; returned when the reader stops. */
    private IoRequest held;

    NbdConnection(
            long id,
            SocketChannel channel,
            Exports exports,
            NbdTls tls,
            boolean forcedTls,
            ConnectionSettings settings,
            MemoryBudget bufferMemory,
            Consumer<NbdConnection> onClosed) {
        this.id = id;
        this.channel = channel;
        this.exports = exports;
        this.tls = tls;
        this.forcedTls = forcedTls;
        this.settings = settings;
        this.bufferMemory = bufferMemory;
        this.onClosed = onClosed;
        this.handshakeDeadlineNanos = System.nanoTime() + settings.handshakeTimeoutMs() * 1_000_000;
        this.free = new BoundedRequestQueue(settings.requestSlots());
        for (int i = 0; i < settings.requestSlots(); i++) {
            free.offer(new IoRequest(this));
        }
    }

    void start() {
        reader = Thread.ofPlatform().daemon().name("sluice-nbd-" + id + "-in").start(this::runReader);
    }

    /** Whether the client has been in the handshake for too long (checked by the server's reaper). */
    boolean handshakeOverdue(long nowNanos) {
        return !transmitting && nowNanos - handshakeDeadlineNanos > 0;
    }

    /** Hangs up; the threads notice, finish what is in flight and exit. */
    void abort() {
        closeChannel();
    }

    void join() throws InterruptedException {
        reader.join();
    }

    @Override
    public void completed(IoRequest request) {
        replies.send(request);
    }

    private void runReader() {
        boolean hard = true;
        try {
            NbdSession session = new Handshake(channel, exports, tls, forcedTls).negotiate();
            if (session != null) {
                startTransmission(session);
                hard = readRequests();
            }
        } catch (IOException e) {
            // The client hung up or the socket was closed under us: same ending.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stop(hard);
        }
    }

    private void startTransmission(NbdSession session) throws IOException {
        export = session.export();
        ByteChannel in = session.in();
        // From here on no thread blocks in a socket call, TLS or not: the reader waits in its selector,
        // and a dispatcher that finishes a request can try its reply without the risk of blocking.
        channel.configureBlocking(false);
        readable = new SocketReadiness(channel, SelectionKey.OP_READ);
        input = new ClientInput(channel, in, readable);
        SocketReadiness writable = new SocketReadiness(channel, SelectionKey.OP_WRITE);
        decoder.configure(
                export.size(),
                export.transmissionFlags(session.structuredReplies()),
                session.structuredReplies(),
                session.blockStatus(),
                export.minimumBlockSize(),
                export.maximumBlockSize());
        buffers = new BufferPool(
                export.maximumBlockSize(), settings.bufferBudget(), settings.requestSlots(), bufferMemory);
        replies = new ReplySender(
                session.out(),
                in instanceof EngineTlsChannel tlsChannel ? tlsChannel : null,
                writable,
                session.structuredReplies(),
                settings.requestSlots(),
                this::recycle,
                this::closeChannel,
                "sluice-nbd-" + id + "-out");
        replies.start();
        transmitting = true;
    }

    /** Serves requests until the client leaves; returns whether the ending is a hard disconnect. */
    private boolean readRequests() throws IOException, InterruptedException {
        ClientInput client = input;
        ByteBuffer inbox = client.inbox();
        while (true) {
            IoRequest request = free.take();
            held = request;
            if (!client.fill(REQUEST_HEADER_LENGTH)) {
                return false;
            }
            long receivedNanos = System.nanoTime();
            int verdict = decoder.wrap(inbox, inbox.position()).decode();
            inbox.position(inbox.position() + REQUEST_HEADER_LENGTH);
            if (verdict == NbdRequestDecoder.DISCONNECT) {
                return true;
            }
            if (verdict == NbdRequestDecoder.SOFT_DISCONNECT) {
                return false;
            }
            request.set(
                    export,
                    decoder.handle(),
                    decoder.type(),
                    decoder.flags(),
                    decoder.offset(),
                    decoder.length(),
                    receivedNanos);
            int payload = decoder.payloadLength();
            if (payload > 0) {
                ByteBuffer data = buffers.acquire(payload);
                request.data(data);
                if (!client.receivePayload(data)) {
                    return true;
                }
                data.flip();
            }
            if (verdict != NbdError.OK) {
                held = null;
                request.complete(verdict);
                continue;
            }
            if (request.type() == CMD_READ) {
                request.data(buffers.acquire((int) request.length()));
            } else if (request.type() == CMD_BLOCK_STATUS) {
                // Room for the descriptors; for REQ_ONE, room for exactly one.
                boolean one = (request.flags() & CMD_FLAG_REQ_ONE) != 0;
                request.data(buffers.acquire(one ? EXTENT_LENGTH : EXTENTS_BYTES));
            }
            int admission;
            client.ranLast(false);
            try {
                admission = export.scheduler().admit(request, client.mayRunNow());
            } catch (InterruptedException e) {
                recycle(request);
                held = null;
                throw e;
            }
            // Once queued the request may come back through the writer at any moment.
            held = null;
            if (admission == RequestScheduler.RUN) {
                request.complete(export.execute(request));
                client.ranLast(true);
            } else if (admission == RequestScheduler.CLOSED) {
                request.complete(NbdError.ESHUTDOWN);
            }
        }
    }

    private void recycle(IoRequest request) {
        ByteBuffer data = request.data();
        if (data != null) {
            request.data(null);
            buffers.release(data);
        }
        free.offer(request);
    }

    /**
     * Ends the connection: a hard ending hangs up first, so replies still due are dropped; a soft one (NBD_CMD_DISC, or
     * the client half-closing) answers everything in flight before closing.
     */
    private void stop(boolean hard) {
        if (hard) {
            closeChannel();
        }
        if (replies != null) {
            if (held != null) {
                recycle(held);
                held = null;
            }
            try {
                // Every slot back in the free queue means every admitted request was answered or
                // dropped. Should the writer have died, no more slots come back: stop waiting then.
                int returned = 0;
                while (returned < settings.requestSlots()) {
                    if (free.poll(SLOT_WAIT_NANOS) != null) {
                        returned++;
                    } else if (!replies.writerAlive()) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                replies.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            buffers.close();
        }
        closeChannel();
        if (readable != null) {
            readable.close();
        }
        onClosed.accept(this);
    }

    /** Hangs up, and wakes the reader and the writer wherever they wait for the socket. */
    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do about a socket that fails to close.
        }
        SocketReadiness reading = readable;
        if (reading != null) {
            reading.wakeUp();
        }
        ReplySender sending = replies;
        if (sending != null) {
            sending.hungUp();
        }
    }

    @Override
    public String toString() {
        return "connection " + id + (export != null ? " to " + export.name() : "");
    }
}
