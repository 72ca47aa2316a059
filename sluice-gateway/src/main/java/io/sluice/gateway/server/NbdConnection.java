package io.sluice.gateway.server;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.export.BoundedRequestQueue;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.nbd.NbdError;
import io.sluice.gateway.nbd.NbdRequestDecoder;
import io.sluice.gateway.nbd.SimpleReplyWriter;
import io.sluice.gateway.nbd.StructuredReplyWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * One client. A reader thread does the handshake, then parses requests and submits them to the
 * export's scheduler; a writer thread sends the replies in whatever order the dispatcher finishes
 * them. A connection owns {@code requestSlots} {@link IoRequest}s: when all are in flight the reader
 * stops reading, and when the export's queue is full the reader blocks in submit, so a fast client
 * is slowed by TCP itself. A client that stops reading its replies stalls only its own writer.
 * See CONCURRENCY.md.
 */
final class NbdConnection implements IoRequest.Completion {
    private static final long SLOT_WAIT_NANOS = 100_000_000;

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
    private final BoundedRequestQueue completed;
    private final NbdRequestDecoder decoder = new NbdRequestDecoder();
    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(REQUEST_HEADER_LENGTH);
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(64);
    private final ByteBuffer[] replyParts = new ByteBuffer[2];
    private final SimpleReplyWriter simpleReply = new SimpleReplyWriter().wrap(replyHeader, 0);
    private final StructuredReplyWriter structuredReply = new StructuredReplyWriter().wrap(replyHeader, 0);

    private volatile boolean transmitting;
    private Thread reader;
    private Thread writer;
    private Export export;
    private boolean structuredReplies;
    /** The socket, or the TLS session on it; set by the reader before the writer starts. */
    private ByteChannel in;
    private GatheringByteChannel out;
    private BufferPool buffers;
    /** A slot the reader has taken but not yet handed on; returned when the reader stops. */
    private IoRequest held;
    /** Set by the writer when the socket failed: remaining replies are dropped, not sent. */
    private boolean writeFailed;

    NbdConnection(long id, SocketChannel channel, Exports exports, NbdTls tls, boolean forcedTls,
                  ConnectionSettings settings, MemoryBudget bufferMemory, Consumer<NbdConnection> onClosed) {
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
        this.completed = new BoundedRequestQueue(settings.requestSlots());
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
        // Never full: it holds at most one entry per slot. Closed only once every slot came back.
        completed.offer(request);
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

    private void startTransmission(NbdSession session) {
        export = session.export();
        structuredReplies = session.structuredReplies();
        in = session.in();
        out = session.out();
        decoder.configure(export.size(), export.readOnly(), structuredReplies,
                export.minimumBlockSize(), export.maximumBlockSize());
        buffers = new BufferPool(export.maximumBlockSize(), settings.bufferBudget(), settings.requestSlots(),
                bufferMemory);
        transmitting = true;
        writer = Thread.ofPlatform().daemon().name("sluice-nbd-" + id + "-out").start(this::runWriter);
    }

    /** Serves requests until the client leaves; returns whether the ending is a hard disconnect. */
    private boolean readRequests() throws IOException, InterruptedException {
        while (true) {
            IoRequest request = free.take();
            held = request;
            if (!receive(requestHeader.clear())) {
                return false;
            }
            long receivedNanos = System.nanoTime();
            int verdict = decoder.wrap(requestHeader, 0).decode();
            if (verdict == NbdRequestDecoder.DISCONNECT) {
                return true;
            }
            if (verdict == NbdRequestDecoder.SOFT_DISCONNECT) {
                return false;
            }
            request.set(export, decoder.handle(), decoder.type(), decoder.flags(), decoder.offset(), decoder.length(),
                    receivedNanos);
            int payload = decoder.payloadLength();
            if (payload > 0) {
                ByteBuffer data = buffers.acquire(payload);
                request.data(data);
                if (!receive(data)) {
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
            }
            // Once submitted the request may come back through the writer at any moment.
            held = null;
            try {
                if (!export.scheduler().submit(request)) {
                    request.complete(NbdError.ESHUTDOWN);
                }
            } catch (InterruptedException e) {
                recycle(request);
                throw e;
            }
        }
    }

    private void runWriter() {
        try {
            IoRequest request;
            while ((request = completed.take()) != null) {
                if (!writeFailed) {
                    try {
                        sendReply(request);
                    } catch (IOException | RuntimeException e) {
                        // Either way the stream is no longer in step with the client: hang up.
                        writeFailed = true;
                        closeChannel();
                    }
                }
                recycle(request);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendReply(IoRequest request) throws IOException {
        int error = request.error();
        long handle = request.handle();
        ByteBuffer data = null;
        int headerLength;
        // The writers use absolute puts, which are bounded by the limit of the previous reply.
        replyHeader.clear();
        if (request.type() == CMD_READ && error == NbdError.OK) {
            data = request.data();
            data.flip();
            headerLength = structuredReplies
                    ? structuredReply.writeOffsetData(handle, request.offset(), data.remaining())
                    : simpleReply.write(NbdError.OK, handle);
        } else if (error != NbdError.OK && structuredReplies) {
            headerLength = structuredReply.writeError(handle, error, NbdError.message(error));
        } else {
            // Also valid with structured replies: a simple reply for a request without data.
            headerLength = simpleReply.write(error, handle);
        }
        replyHeader.clear().limit(headerLength);
        if (data == null) {
            while (replyHeader.hasRemaining()) {
                out.write(replyHeader);
            }
            return;
        }
        replyParts[0] = replyHeader;
        replyParts[1] = data;
        while (data.hasRemaining()) {
            out.write(replyParts);
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
     * Ends the connection: a hard ending hangs up first, so replies still due are dropped; a soft
     * one (NBD_CMD_DISC, or the client half-closing) answers everything in flight before closing.
     */
    private void stop(boolean hard) {
        if (hard) {
            closeChannel();
        }
        if (writer != null) {
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
                    } else if (!writer.isAlive()) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            completed.close();
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            buffers.close();
        }
        closeChannel();
        onClosed.accept(this);
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do about a socket that fails to close.
        }
    }

    /** Reads until {@code buffer} is full; false at end of stream. */
    private boolean receive(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "connection " + id + (export != null ? " to " + export.name() : "");
    }
}
