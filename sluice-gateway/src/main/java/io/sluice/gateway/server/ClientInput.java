package io.sluice.gateway.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * What a connection's reader reads from its client during transmission: the inbox (bytes read and not yet parsed), the
 * non-blocking reads of the socket or of the TLS session on it, the wait in the reader's selector and the bounded spin
 * before it ({@link ReadSpin}). The reader's alone, like everything here; see CONCURRENCY.md.
 */
final class ClientInput {
    private static final int INBOX_BYTES = 16 * 1024;

    /** The plaintext socket: reads from it (and not from a TLS session) show when the socket was emptied. */
    private final SocketChannel channel;
    /** The socket, or the TLS session on it. */
    private final ByteChannel in;
    /** Where the reader waits for input on the non-blocking socket. */
    private final SocketReadiness readable;
    /**
     * What the reader has read from the client and not yet parsed (read mode): one read takes every request header that
     * has arrived, so a burst costs one system call, not one per request.
     */
    private final ByteBuffer inbox = ByteBuffer.allocateDirect(INBOX_BYTES).flip();

    /** The last look at the socket found nothing, so the reader waits before reading again. */
    private boolean inputIdle;
    /**
     * The read that brought the request being decoded took less than it was offered from the plaintext socket, so the
     * socket was empty then: the reader need not read again to tell whether the client sent more.
     */
    private boolean drained;
    /** The last request was run by the reader itself: the client waits for each reply (queue depth 1). */
    private boolean ranLast;
    /** Whether the reader may spin before it sleeps, and its back-off after vain spins. */
    private final ReadSpin spin = new ReadSpin();

    ClientInput(SocketChannel channel, ByteChannel in, SocketReadiness readable) {
        this.channel = channel;
        this.in = in;
        this.readable = readable;
    }

    /** The inbox, in read mode: what {@link #fill} made readable starts at its position. */
    ByteBuffer inbox() {
        return inbox;
    }

    /** Whether the reader ran the last request itself (then its next wait may spin). */
    void ranLast(boolean ran) {
        ranLast = ran;
    }

    /**
     * Whether the reader may run the request it just read itself: not when the client already sent more (then the
     * reader hands the request to a dispatcher and goes on reading, so requests that arrive together still reach the
     * backend together). The inbox and one read that does not wait tell (what it finds is the next request, read once);
     * over TLS that read also sees records already taken off the socket and not yet decrypted. When the read that
     * brought this request emptied the plaintext socket (it took less than offered), that read tells it already, and no
     * other is made.
     */
    boolean mayRunNow() {
        if (inbox.hasRemaining()) {
            return false;
        }
        if (drained) {
            drained = false;
            inputIdle = true;
            return true;
        }
        try {
            inbox.clear();
            int read;
            try {
                read = in.read(inbox);
            } finally {
                inbox.flip();
            }
            // At end of stream (-1) the next read says so again and ends the connection.
            inputIdle = read == 0;
            return inputIdle;
        } catch (IOException e) {
            // The next read tells what happened; until then, take the ordinary path.
            return false;
        }
    }

    /** Makes at least {@code bytes} (at most the inbox's size) readable in the inbox; false at end of stream. */
    boolean fill(int bytes) throws IOException {
        drained = false;
        if (inbox.remaining() >= bytes) {
            return true;
        }
        inbox.compact();
        try {
            while (inbox.position() < bytes) {
                if (readSome(inbox) < 0) {
                    return false;
                }
            }
        } finally {
            inbox.flip();
        }
        return true;
    }

    /** Fills {@code data} with a WRITE's payload: what the inbox holds of it first, then from the socket. */
    boolean receivePayload(ByteBuffer data) throws IOException {
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
            if (readSome(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads at least one byte into {@code buffer}, waiting for the client if it sent nothing yet; -1 at end of stream.
     * The read does not block, so the wait is in the reader's selector; when the last look found the socket empty, the
     * reader waits first instead of reading in vain. At queue depth 1 (the reader ran the last request itself) it first
     * spins for a bounded time ({@link ReadSpin}).
     */
    private int readSome(ByteBuffer buffer) throws IOException {
        boolean spun = false;
        while (true) {
            if (!inputIdle) {
                int read = readOnce(buffer);
                if (read != 0) {
                    return read;
                }
            }
            inputIdle = false;
            if (!spun) {
                spun = true;
                int read = spinFor(buffer);
                if (read != 0) {
                    return read;
                }
            }
            readable.await();
        }
    }

    /** The bounded spin, when this wait may have it: what the read brought, or 0 when it found nothing. */
    private int spinFor(ByteBuffer buffer) throws IOException {
        if (!ranLast) {
            return 0;
        }
        if (!spin.mayTry() || !ReadSpin.enter()) {
            return 0;
        }
        int read = 0;
        try {
            long since = System.nanoTime();
            do {
                Thread.yield();
                read = readOnce(buffer);
            } while (read == 0 && System.nanoTime() - since < ReadSpin.BOUND_NANOS);
        } finally {
            ReadSpin.exit();
        }
        if (read != 0) {
            spin.found();
        } else {
            spin.vain();
        }
        return read;
    }

    /** One read that does not wait; notes whether it emptied the plaintext socket. */
    private int readOnce(ByteBuffer buffer) throws IOException {
        int room = buffer.remaining();
        int read = in.read(buffer);
        drained = read > 0 && read < room && in == channel;
        return read;
    }
}
