package io.sluice.gateway.tls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A TLS session on a socket, driven by an {@link SSLEngine} rather than layered as a JSSE socket, so it works on a
 * non-blocking socket as well as a blocking one: the gateway's server runs the handshake blocking (inside the NBD
 * handshake, after NBD_OPT_STARTTLS), then switches the socket to non-blocking for transmission, where a read or a
 * write that would wait returns 0 and the caller waits for the socket itself, exactly as on a plaintext connection.
 *
 * <p>Reading (unwrap) and writing (wrap) may run on two threads at once, which SSLEngine allows; each side has its own
 * buffers. Writes come from one thread at a time (the holder of the connection's reply lock). A write encrypts what it
 * takes into records of up to 16 KiB (a reply header and its data, or several replies, in one record) and returns how
 * many plaintext bytes it took; ciphertext the socket did not take yet stays here and goes first at the next write or
 * {@link #flush}. Until {@link #flush} answers true, data written is not all on the wire. Post-handshake messages the
 * engine owes its peer (a TLS 1.3 session ticket, the answer to a KeyUpdate) go out ahead of the next record it wraps,
 * as TLS requires. Closing closes the raw socket without a close_notify, which could block on a client that does not
 * read.
 */
public final class EngineTlsChannel extends GatheringChannel {
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};

    private final SSLEngine engine;
    private final SocketChannel raw;
    /** How much room one record takes encrypted. */
    private final int packetSize;
    /** Reader's side: ciphertext read and not yet unwrapped (write mode). */
    private final ByteBuffer netIn;
    /** Reader's side: plaintext unwrapped and not yet read (read mode). */
    private final ByteBuffer appIn;
    /** Writer's side: ciphertext wrapped and not yet sent (read mode). */
    private final ByteBuffer netOut;
    /** While {@link #completeHandshake} drives the engine: an unwrap returns after each step. */
    private boolean handshaking;

    private EngineTlsChannel(SSLEngine engine, SocketChannel raw) {
        this.engine = engine;
        this.raw = raw;
        this.packetSize = engine.getSession().getPacketBufferSize();
        // Room for a whole record and most of the next, so one read takes what arrived together.
        this.netIn = ByteBuffer.allocateDirect(2 * packetSize);
        this.appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize())
                .flip();
        // Several records per socket write: a batch of replies costs one system call, not one per record.
        this.netOut = ByteBuffer.allocateDirect(4 * packetSize).flip();
    }

    /**
     * Runs the handshake of {@code engine} (already configured for its side) over {@code raw}, which must be blocking,
     * and returns the session; throws when the handshake fails (after trying to tell the peer).
     */
    public static EngineTlsChannel handshake(SSLEngine engine, SocketChannel raw) throws IOException {
        EngineTlsChannel channel = new EngineTlsChannel(engine, raw);
        engine.beginHandshake();
        try {
            channel.completeHandshake();
        } catch (SSLException e) {
            channel.sendAlert();
            throw e;
        }
        return channel;
    }

    public SSLEngine engine() {
        return engine;
    }

    private void completeHandshake() throws IOException {
        handshaking = true;
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    wrap(NOTHING, 0, 1);
                    flush();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (unwrap() < 0) {
                        throw new EOFException("the peer left during the TLS handshake");
                    }
                }
                case NEED_TASK -> runTasks();
                default -> {
                    // FINISHED or NOT_HANDSHAKING, and nothing left to send (a session ticket is sent above).
                    handshaking = false;
                    return;
                }
            }
        }
    }

    /** Best effort: the alert the engine holds after a failed handshake, so the peer learns why. */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            wrap(NOTHING, 0, 1);
            flush();
        } catch (IOException | RuntimeException ignored) {
            // The connection ends anyway.
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        while (!appIn.hasRemaining()) {
            int produced = unwrap();
            if (produced <= 0) {
                return produced;
            }
        }
        int n = Math.min(dst.remaining(), appIn.remaining());
        dst.put(dst.position(), appIn, appIn.position(), n);
        dst.position(dst.position() + n);
        appIn.position(appIn.position() + n);
        return n;
    }

    /**
     * Unwraps records until one yields plaintext (into {@link #appIn}, which is empty), reading the socket when no
     * whole record is buffered; returns the plaintext bytes, 0 when a non-blocking socket has nothing more now, -1 at
     * the end of the session.
     */
    private int unwrap() throws IOException {
        appIn.clear();
        try {
            while (true) {
                netIn.flip();
                SSLEngineResult result;
                try {
                    result = engine.unwrap(netIn, appIn);
                } finally {
                    netIn.compact();
                }
                switch (result.getStatus()) {
                    case OK -> {
                        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                            runTasks();
                        }
                        if (result.bytesProduced() > 0) {
                            return result.bytesProduced();
                        }
                        if (handshaking && engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                            // One step done: the handshake's driver decides the next.
                            return 0;
                        }
                        // A record without application data (after the handshake: a post-handshake message,
                        // whose answer, if any, leaves ahead of the next record wrapped): read on. Never
                        // return 0 here, the next record may already be buffered.
                    }
                    case BUFFER_UNDERFLOW -> {
                        int read = raw.read(netIn);
                        if (read <= 0) {
                            return read;
                        }
                    }
                    case BUFFER_OVERFLOW -> throw new SSLException("a TLS record larger than the session allows");
                    case CLOSED -> {
                        return -1;
                    }
                }
            }
        } finally {
            appIn.flip();
        }
    }

    /**
     * Sends what still waits, then encrypts from {@code srcs} and sends it, as far as the socket takes it; returns the
     * plaintext bytes taken (0 when earlier ciphertext still waits for the socket).
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long taken = 0;
        while (flush() && remaining(srcs, offset, length)) {
            taken += wrap(srcs, offset, length);
        }
        return taken;
    }

    /** Encrypts into the empty {@link #netOut} as many records as it holds; returns the plaintext taken. */
    private long wrap(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long taken = 0;
        netOut.clear();
        try {
            do {
                SSLEngineResult result = engine.wrap(srcs, offset, length, netOut);
                if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    if (result.bytesProduced() == 0) {
                        throw new SSLException("the TLS session is closed");
                    }
                    // The closing alert: send it, nothing more.
                    return taken;
                }
                if (result.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("no room to encrypt a record: " + result.getStatus());
                }
                taken += result.bytesConsumed();
                if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
            } while (netOut.remaining() >= packetSize && remaining(srcs, offset, length));
        } finally {
            netOut.flip();
        }
        return taken;
    }

    /** Sends the ciphertext still waiting; true once none waits, false when the (non-blocking) socket would block. */
    public boolean flush() throws IOException {
        while (netOut.hasRemaining()) {
            if (raw.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean remaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    @Override
    public boolean isOpen() {
        return raw.isOpen();
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
