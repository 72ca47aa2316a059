package io.sluice.gateway.server;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.export.BoundedRequestQueue;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.nbd.NbdError;
import io.sluice.gateway.nbd.SimpleReplyWriter;
import io.sluice.gateway.nbd.StructuredReplyWriter;
import io.sluice.gateway.tls.EngineTlsChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The write side of one connection: sends each finished request's reply whole (header and data in one gathering write,
 * several replies in one when they are ready together), never two interleaved.
 *
 * <p>The socket is non-blocking (plaintext, or TLS through an {@link EngineTlsChannel}), and the thread that finished
 * the request (a dispatcher, or the reader for a request it ran) sends the reply itself when it can take the write lock
 * without waiting: nothing is handed on and nobody is woken. Whoever holds the lock sends every reply that waits, and
 * looks again after unlocking, so a reply whose thread found the lock taken is sent by the holder. When the socket
 * would block, the rest of the batch stays here and the connection's writer thread finishes it once the socket takes
 * more (a client that does not read stalls only its own writer, never a dispatcher). Over TLS the holder of the lock
 * also encrypts (the engine's wrap), and a batch counts as sent only once its last record left. See CONCURRENCY.md.
 */
final class ReplySender {
    /** Replies sent in one gathering write, at most. */
    static final int BATCH = 16;
    /** How many times a thread that is not the writer sends for others before handing on to the writer. */
    private static final int ROUNDS = 4;
    /** Room for the longest reply header, an error chunk. */
    private static final int HEADER_SLOT = 64;

    private final GatheringByteChannel out;
    /** The TLS session {@link #out} is, whose ciphertext may wait after a write; null on plaintext. */
    private final EngineTlsChannel tls;

    private final SocketReadiness writable;
    private final boolean structuredReplies;
    /** Gives a slot whose reply was sent (or dropped) back to the connection. */
    private final Consumer<IoRequest> recycle;
    /** Hangs the connection up: the stream is no longer in step with the client. */
    private final Runnable hangUp;
    /** Replies not yet taken into a batch; room for every slot, so offering never fails while open. */
    private final BoundedRequestQueue waiting;

    private final Thread writer;

    /** Guards everything below up to {@link #failed}: the socket's write side and the batch on it. */
    private final ReentrantLock lock = new ReentrantLock();

    private final ByteBuffer[] headers = headerSlots(ByteBuffer.allocateDirect(BATCH * HEADER_SLOT));
    private final ByteBuffer[] parts = new ByteBuffer[2 * BATCH];
    private final IoRequest[] batch = new IoRequest[BATCH];
    private final SimpleReplyWriter simpleReply = new SimpleReplyWriter();
    private final StructuredReplyWriter structuredReply = new StructuredReplyWriter();
    /** Requests in the batch on the wire; 0 when none is. */
    private int batchSize;

    private int partCount;
    /** The first part of the batch with bytes left to send. */
    private int firstPart;
    /** The socket failed: replies are dropped from then on. */
    private boolean failed;

    /** A batch is partly sent and the socket took no more: the writer finishes it when it can. */
    private volatile boolean stuck;

    private volatile boolean writerWanted;
    private volatile boolean closed;

    /**
     * {@code out}: the non-blocking socket, or {@code tls} on it; {@code writable}: where the writer waits for room;
     * {@code name} names the writer thread.
     */
    ReplySender(
            GatheringByteChannel out,
            EngineTlsChannel tls,
            SocketReadiness writable,
            boolean structuredReplies,
            int slots,
            Consumer<IoRequest> recycle,
            Runnable hangUp,
            String name) {
        this.out = out;
        this.tls = tls;
        this.writable = writable;
        this.structuredReplies = structuredReplies;
        this.recycle = recycle;
        this.hangUp = hangUp;
        this.waiting = new BoundedRequestQueue(slots);
        this.writer = Thread.ofPlatform().daemon().name(name).unstarted(this::runWriter);
    }

    /** Starts the writer thread; before the first {@link #send}. */
    void start() {
        writer.start();
    }

    private static ByteBuffer[] headerSlots(ByteBuffer region) {
        ByteBuffer[] slots = new ByteBuffer[BATCH];
        for (int i = 0; i < BATCH; i++) {
            slots[i] = region.slice(i * HEADER_SLOT, HEADER_SLOT);
        }
        return slots;
    }

    /** Sends the reply of a finished request (its error is set), from whichever thread finished it. */
    void send(IoRequest request) {
        // Never full: it holds at most one entry per slot. Closed only once every slot came back.
        waiting.offer(request);
        sendWaiting(ROUNDS);
    }

    /** Whether the writer thread is still there (it only ends when closed, unless a bug killed it). */
    boolean writerAlive() {
        return writer.isAlive();
    }

    /** Once every slot came back: ends the writer thread and waits for it. */
    void close() throws InterruptedException {
        closed = true;
        waiting.close();
        LockSupport.unpark(writer);
        writable.wakeUp();
        writer.join();
        writable.close();
    }

    /** Wakes the writer wherever it waits, after the connection was hung up. */
    void hungUp() {
        writable.wakeUp();
    }

    /**
     * Sends what waits while the lock is free: at most {@code rounds} times, then the writer takes over. A thread that
     * finds the lock taken leaves: the holder looks at the queue again after unlocking.
     */
    private void sendWaiting(int rounds) {
        for (int i = 0; i < rounds; i++) {
            if (stuck || !lock.tryLock()) {
                // Stuck: the writer sends everything once the socket takes more.
                return;
            }
            try {
                sendLocked();
            } finally {
                lock.unlock();
            }
            if (waiting.isEmpty()) {
                return;
            }
        }
        wakeWriter();
    }

    private void wakeWriter() {
        writerWanted = true;
        LockSupport.unpark(writer);
    }

    /** The writer: called on when a batch is stuck or others sent enough rounds for others. */
    private void runWriter() {
        while (true) {
            while (!writerWanted && !closed) {
                LockSupport.park(this);
            }
            if (closed) {
                return;
            }
            writerWanted = false;
            if (stuck) {
                try {
                    writable.await();
                } catch (IOException | RuntimeException e) {
                    // Hung up under us: the next write fails and drops what is left.
                    hangUp.run();
                }
                lock.lock();
                try {
                    sendLocked();
                } finally {
                    lock.unlock();
                }
            }
            sendWaiting(Integer.MAX_VALUE);
        }
    }

    /**
     * Under the lock: finishes the batch on the wire, then sends what waits, batch by batch, until nothing waits or the
     * socket would block (then the writer is called on). After a failure every reply is dropped instead.
     */
    private void sendLocked() {
        while (true) {
            if (batchSize == 0) {
                batchSize = waiting.drainNow(batch);
                if (batchSize == 0) {
                    return;
                }
                if (!failed) {
                    prepareBatch();
                }
            }
            if (!failed) {
                try {
                    if (!writeBatch()) {
                        stuck = true;
                        wakeWriter();
                        return;
                    }
                } catch (IOException | RuntimeException e) {
                    failed = true;
                    hangUp.run();
                }
            }
            endBatch();
            stuck = false;
        }
    }

    /** Lays the batch's replies out in {@link #parts}: header, and data for a READ or a BLOCK_STATUS. */
    private void prepareBatch() {
        int count = 0;
        for (int i = 0; i < batchSize; i++) {
            count = appendReply(i, count, batch[i]);
        }
        partCount = count;
        firstPart = 0;
    }

    /** Writes what is left of the batch; false when the socket would block first. */
    private boolean writeBatch() throws IOException {
        while (firstPart < partCount) {
            if (!parts[firstPart].hasRemaining()) {
                firstPart++;
            } else if (out.write(parts, firstPart, partCount - firstPart) == 0) {
                return false;
            }
        }
        // Over TLS the last records may still wait for the socket.
        return tls == null || tls.flush();
    }

    private void endBatch() {
        Arrays.fill(parts, 0, partCount, null);
        partCount = 0;
        firstPart = 0;
        for (int i = 0; i < batchSize; i++) {
            recycle.accept(batch[i]);
            batch[i] = null;
        }
        batchSize = 0;
    }

    /**
     * Puts the reply to {@code request} in header slot {@code slot} and appends it (header, and data for a READ or
     * descriptors for a BLOCK_STATUS) to {@link #parts} from {@code count}; returns the new number of parts.
     */
    private int appendReply(int slot, int count, IoRequest request) {
        ByteBuffer header = headers[slot];
        long handle = request.handle();
        int error = request.error();
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
        parts[count++] = header;
        if (data != null) {
            parts[count++] = data;
        }
        return count;
    }
}
