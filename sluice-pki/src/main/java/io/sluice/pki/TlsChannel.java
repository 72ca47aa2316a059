package io.sluice.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * TLS over a non-blocking {@link SocketChannel}, for selector loops: an {@link SSLEngine} with a
 * {@link TlsRecordReader} (ciphertext in, plaintext in) and a {@link TlsRecordWriter} (ciphertext out), their buffers
 * allocated once at the sizes the engine asks for, and a {@link TlsHandshakeDriver} for the handshake. No thread of its
 * own: the engine's delegated tasks (certificate checks) run inline on the calling thread.
 *
 * <p>Use: call {@link #handshake()} on one thread whenever the socket is readable (or writable, after it said
 * {@link Handshake#NEED_WRITE}) until it says {@link Handshake#DONE}. From then on one thread may {@link #read} while
 * another may {@link #write} (JSSE allows wrap and unwrap to run concurrently); the reading side owns the inbound
 * buffers, the writing side the outbound one. Bytes the socket did not take stay in the outbound buffer:
 * {@link #hasPendingOutput()} says so, {@link #flush()} continues. Plaintext already decrypted may wait in the inbound
 * buffer while the socket has nothing more: a reader must call {@link #read} again while {@link #hasBufferedInput()},
 * since no selector will say so.
 *
 * <p>A TLS 1.3 post-handshake message that asks for an answer (a KeyUpdate) is noticed by the reader, which calls the
 * {@code wrapDue} callback so that the writing thread runs {@link #write} (with nothing to send if need be).
 */
public final class TlsChannel implements ByteChannel {
    /** Where a handshake step left off. */
    public enum Handshake {
        DONE,
        /** Waiting for the peer's bytes: call again when the socket is readable. */
        NEED_READ,
        /** The socket did not take all handshake bytes: call again when it is writable. */
        NEED_WRITE
    }

    private final SocketChannel channel;
    private final SSLEngine engine;
    // Owned by the reading side once the handshake is done.
    private final TlsRecordReader reader;
    // Guarded by writeLock, which the handshake holds too.
    private final TlsRecordWriter writer;
    private final TlsHandshakeDriver handshakeDriver;
    private final Object writeLock = new Object();
    private volatile boolean established;

    /**
     * @param wrapDue called by the reading thread when the engine has something to send that only a {@link #write}
     *     produces; may be null when one thread both reads and writes and writes regularly
     */
    public TlsChannel(SocketChannel channel, SSLEngine engine, Runnable wrapDue) {
        this.channel = channel;
        this.engine = engine;
        this.reader = new TlsRecordReader(channel, engine, wrapDue);
        this.writer = new TlsRecordWriter(channel, engine);
        this.handshakeDriver = new TlsHandshakeDriver(engine, reader, writer);
    }

    /**
     * One non-blocking step of the handshake: reads and writes what the socket allows.
     *
     * @throws TlsException the handshake failed or the peer is not speaking TLS; the engine's alert was sent as far as
     *     the socket took it, and the caller should close the channel
     */
    public Handshake handshake() throws IOException {
        if (established) {
            return Handshake.DONE;
        }
        synchronized (writeLock) {
            Handshake step = handshakeDriver.step();
            if (step == Handshake.DONE) {
                established = true;
            }
            return step;
        }
    }

    /**
     * Reads and decrypts what the socket has, into {@code dst}.
     *
     * @return plaintext bytes copied; 0 when nothing whole has arrived; -1 once the peer closed (close_notify or end of
     *     stream) and every byte before it was read
     * @throws TlsException a record did not authenticate; the connection is no longer usable
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        return reader.read(dst);
    }

    /** Whether decrypted bytes, or whole records, wait here with no more to come from the socket to signal them. */
    public boolean hasBufferedInput() {
        return reader.hasBufferedInput();
    }

    /**
     * Encrypts and writes as much of {@code src} as the socket takes. Anything the engine itself must send (a KeyUpdate
     * answer) goes first, so an empty {@code src} is how the writer answers {@code wrapDue}.
     *
     * @return plaintext bytes consumed; a record encrypted but not fully written stays pending
     *     ({@link #hasPendingOutput()}) and counts as consumed
     */
    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (writeLock) {
            return writer.write(src);
        }
    }

    /** Writes encrypted bytes left over from an earlier write; true when none are left. */
    public boolean flush() throws IOException {
        synchronized (writeLock) {
            return writer.flush() && writer.write(TlsRecordWriter.NOTHING) >= 0 && !writer.hasPending();
        }
    }

    /** Whether encrypted bytes wait for the socket to become writable. */
    public boolean hasPendingOutput() {
        synchronized (writeLock) {
            return writer.hasPending();
        }
    }

    // No thread of our own: certificate checks and the like run on whichever thread met them.
    static void runDelegatedTasks(SSLEngine engine) {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** The certificate the peer authenticated with, once the handshake is done; null if it presented none. */
    public X509Certificate peerCertificate() {
        try {
            Certificate[] chain = engine.getSession().getPeerCertificates();
            return chain.length == 0 ? null : (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /**
     * A secret both ends derive from this TLS session and nothing else (RFC 8446 section 7.5, RFC 5705), to bind an
     * application-level proof to this connection: a proof made over another connection does not match it.
     */
    public byte[] exportKeyingMaterial(String label, int length) throws SSLException {
        var key = ((ExtendedSSLSession) engine.getSession()).exportKeyingMaterialData(label, null, length);
        if (key == null) {
            throw new SSLException("the TLS session exports no keying material");
        }
        return key;
    }

    public boolean isEstablished() {
        return established;
    }

    public SocketChannel socket() {
        return channel;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Sends close_notify as far as the socket takes it without waiting, then closes the socket. */
    @Override
    public void close() throws IOException {
        synchronized (writeLock) {
            try {
                writer.sendCloseNotify();
            } catch (IOException | RuntimeException ignored) {
                // the peer may be gone already; closing the socket is what matters
            } finally {
                channel.close();
            }
        }
    }
}
