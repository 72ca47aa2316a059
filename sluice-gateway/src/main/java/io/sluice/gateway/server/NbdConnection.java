package io.sluice.gateway.server;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.export.BoundedRequestQueue;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.export.RequestScheduler;
import io.sluice.gateway.nbd.NbdError;
import io.sluice.gateway.nbd.NbdRequestDecoder;
import io.sluice.gateway.nbd.SimpleReplyWriter;
import io.sluice.gateway.nbd.StructuredReplyWriter;
import io.sluice.gateway.tls.TlsChannel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One client. A reader thread does the handshake, then parses requests and admits them to the
 * export's scheduler. When the scheduler lets a request go at once and the client has sent nothing
 * more yet, the reader runs it and writes its reply itself, like a thread of nbdkit's: no hand-off
 * and no wake-up on the way (over TLS the writer still sends the reply: one hand-off). Otherwise the request waits for a dispatcher thread, and a writer
 * thread sends the replies in whatever order the dispatchers finish them, as many as are ready in
 * one gathering write. A connection owns {@code requestSlots} {@link IoRequest}s: when all are in flight the reader
 * stops reading, and when the export's queue is full the reader blocks in submit, so a fast client
 * is slowed by TCP itself. A client that stops reading its replies stalls only its own writer.
 * See CONCURRENCY.md.
 */
final class NbdConnection implements IoRequest.Completion {
    private static final long SLOT_WAIT_NANOS = 100_000_000;
    private static final int INBOX_BYTES = 16 * 1024;
    /** One NBD_CMD_BLOCK_STATUS reply carries at most this many bytes of descriptors (512 extents). */
    private static final int EXTENTS_BYTES = 512 * EXTENT_LENGTH;
    /** Replies the writer sends in one gathering write, at most. */
    private static final int REPLY_BATCH = 16;

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
    /**
     * What the reader has read from the client and not yet parsed (read mode): one read takes every
     * request header that has arrived, so a burst costs one system call, not one per request.
     */
    private final ByteBuffer inbox = ByteBuffer.allocateDirect(INBOX_BYTES).flip();
    /** Header slots of one gathering write of replies (the longest, an error chunk, fits in 64 bytes). */
    private final ByteBuffer[] replyHeaders = headerSlots(ByteBuffer.allocateDirect(REPLY_BATCH * 64));
    private final ByteBuffer[] replyParts = new ByteBuffer[2 * REPLY_BATCH];
    /** The writer's batch: the replies it takes from the completed queue at once. */
    private final IoRequest[] replyBatch = new IoRequest[REPLY_BATCH];
    /** Guards the write side (out, the reply header and writers, writeFailed): the reader and the writer both answer. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final SimpleReplyWriter simpleReply = new SimpleReplyWriter();
    private final StructuredReplyWriter structuredReply = new StructuredReplyWriter();

    private volatile boolean transmitting;
    private Thread reader;
    private Thread writer;
    private Export export;
    private boolean structuredReplies;
    /** The socket, or the TLS session on it; set by the reader before the writer starts. */
    private ByteChannel in;
    private GatheringByteChannel out;
    /** The socket's unread bytes (FIONREAD): has the client sent more? */
    private InputStream socketInput;
    /** Set when the connection runs TLS, whose replies always go through the writer. */
    private TlsChannel tlsIn;
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

    private static ByteBuffer[] headerSlots(ByteBuffer region) {
        ByteBuffer[] slots = new ByteBuffer[REPLY_BATCH];
        for (int i = 0; i < REPLY_BATCH; i++) {
            slots[i] = region.slice(i * 64, 64);
        }
        return slots;
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
        tlsIn = in instanceof TlsChannel tlsChannel ? tlsChannel : null;
        try {
            socketInput = channel.socket().getInputStream();
        } catch (IOException e) {
            // Closed under us: the first read says so; until then never run a request inline.
            socketInput = null;
        }
        decoder.configure(export.size(), export.transmissionFlags(structuredReplies), structuredReplies,
                session.blockStatus(), export.minimumBlockSize(), export.maximumBlockSize());
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
            if (!fill(REQUEST_HEADER_LENGTH)) {
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
            request.set(export, decoder.handle(), decoder.type(), decoder.flags(), decoder.offset(), decoder.length(),
                    receivedNanos);
            int payload = decoder.payloadLength();
            if (payload > 0) {
                ByteBuffer data = buffers.acquire(payload);
                request.data(data);
                if (!receivePayload(data)) {
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
            try {
                admission = export.scheduler().admit(request, mayRunNow());
            } catch (InterruptedException e) {
                recycle(request);
                held = null;
                throw e;
            }
            // Once queued the request may come back through the writer at any moment.
            held = null;
            if (admission == RequestScheduler.RUN) {
                if (tlsIn == null) {
                    answer(request, export.execute(request));
                } else {
                    // Over JSSE a reply written here, right after the read, made fio (libnbd, GnuTLS)
                    // stall for milliseconds (47 to 743 IOPS at QD1); through the writer it does not.
                    request.complete(export.execute(request));
                }
            } else if (admission == RequestScheduler.CLOSED) {
                request.complete(NbdError.ESHUTDOWN);
            }
        }
    }

    /**
     * Whether the reader may run the request it just read itself: not when the client already sent
     * more (then the reader hands the request to a dispatcher and goes on reading, so requests that
     * arrive together still reach the backend together). The inbox and one FIONREAD per request tell.
     * With TLS, a record JSSE already took off the socket but did not hand to the inbox goes unseen;
     * the request then runs here, which costs that record some waiting, never correctness.
     */
    private boolean mayRunNow() {
        if (socketInput == null || inbox.hasRemaining()) {
            return false;
        }
        try {
            return socketInput.available() == 0;
        } catch (IOException e) {
            // The next read tells what happened; until then, take the ordinary path.
            return false;
        }
    }

    private void runWriter() {
        try {
            int count;
            while ((count = completed.drain(replyBatch)) > 0) {
                writeLock.lock();
                try {
                    if (!writeFailed) {
                        int parts = 0;
                        for (int i = 0; i < count; i++) {
                            parts = appendReply(i, parts, replyBatch[i], replyBatch[i].error());
                        }
                        send(parts);
                    }
                } catch (IOException | RuntimeException e) {
                    failWrites();
                } finally {
                    writeLock.unlock();
                }
                for (int i = 0; i < count; i++) {
                    recycle(replyBatch[i]);
                    replyBatch[i] = null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The reader's reply to a request it ran itself; then the slot is free again. */
    private void answer(IoRequest request, int error) {
        writeLock.lock();
        try {
            if (!writeFailed) {
                send(appendReply(0, 0, request, error));
            }
        } catch (IOException | RuntimeException e) {
            failWrites();
        } finally {
            writeLock.unlock();
        }
        recycle(request);
    }

    /** Either way the stream is no longer in step with the client: hang up; later replies are dropped. */
    private void failWrites() {
        writeFailed = true;
        closeChannel();
    }

    /**
     * Puts the reply to {@code request} in header slot {@code slot} and appends it (header, and data
     * for a READ) to {@link #replyParts} from {@code parts}; returns the new number of parts.
     */
    private int appendReply(int slot, int parts, IoRequest request, int error) {
        ByteBuffer header = replyHeaders[slot];
        long handle = request.handle();
        ByteBuffer data = null;
        int headerLength;
        // The writers use absolute puts, which are bounded by the limit of the previous reply.
        header.clear();
        simpleReply.wrap(header, 0);
        structuredReply.wrap(header, 0);
        if (request.type() == CMD_READ && error == NbdError.OK) {
            data = request.data();
            data.flip();
            headerLength = structuredReplies
                    ? structuredReply.writeOffsetData(handle, request.offset(), data.remaining())
                    : simpleReply.write(NbdError.OK, handle);
        } else if (request.type() == CMD_BLOCK_STATUS && error == NbdError.OK) {
            // Only negotiated with structured replies; the backend appended the descriptors.
            data = request.data();
            data.flip();
            headerLength = structuredReply.writeBlockStatus(handle, BASE_ALLOCATION_ID, data.remaining());
        } else if (error != NbdError.OK && structuredReplies) {
            headerLength = structuredReply.writeError(handle, error, NbdError.message(error));
        } else {
            // Also valid with structured replies: a simple reply for a request without data.
            headerLength = simpleReply.write(error, handle);
        }
        header.limit(headerLength);
        replyParts[parts++] = header;
        if (data != null) {
            replyParts[parts++] = data;
        }
        return parts;
    }

    /** Writes the first {@code parts} of {@link #replyParts} whole, in as few gathering writes as the socket takes. */
    private void send(int parts) throws IOException {
        ByteBuffer last = replyParts[parts - 1];
        try {
            while (last.hasRemaining()) {
                out.write(replyParts, 0, parts);
            }
        } finally {
            Arrays.fill(replyParts, 0, parts, null);
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

    /** Makes at least {@code bytes} (at most the inbox's size) readable in the inbox; false at end of stream. */
    private boolean fill(int bytes) throws IOException {
        if (inbox.remaining() >= bytes) {
            return true;
        }
        inbox.compact();
        try {
            while (inbox.position() < bytes) {
                if (in.read(inbox) < 0) {
                    return false;
                }
            }
        } finally {
            inbox.flip();
        }
        return true;
    }

    /** Fills {@code data} with a WRITE's payload: what the inbox holds of it first, then from the socket. */
    private boolean receivePayload(ByteBuffer data) throws IOException {
        int buffered = Math.min(inbox.remaining(), data.remaining());
        if (buffered > 0) {
            data.put(data.position(), inbox, inbox.position(), buffered);
            data.position(data.position() + buffered);
            inbox.position(inbox.position() + buffered);
        }
        return receive(data);
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
