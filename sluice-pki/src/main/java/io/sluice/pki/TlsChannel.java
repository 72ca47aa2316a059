package io.sluice.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * TLS over a non-blocking {@link SocketChannel}, for selector loops: an {@link SSLEngine} and three buffers allocated
 * once, at the sizes the engine asks for (ciphertext in, plaintext in, ciphertext out). No thread of its own: the
 * engine's delegated tasks (certificate checks) run inline on the calling thread.
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

    private static final int RECORD_HEADER = 5;
    private static final byte TLS_ALERT_RECORD = 21;
    private static final byte TLS_HANDSHAKE_RECORD = 22;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final Runnable wrapDue;
    // Reading side: ciphertext in write mode, plaintext in read mode.
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    // Writing side (guarded by writeLock): ciphertext in read mode.
    private ByteBuffer netOut;
    private final Object writeLock = new Object();
    private boolean begun;
    private boolean sawFirstRecord;
    private boolean endOfStream;
    private volatile boolean established;

    /**
     * @param wrapDue called by the reading thread when the engine has something to send that only a {@link #write}
     *     produces; may be null when one thread both reads and writes and writes regularly
     */
    public TlsChannel(SocketChannel channel, SSLEngine engine, Runnable wrapDue) {
        this.channel = channel;
        this.engine = engine;
        this.wrapDue = wrapDue;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocateDirect(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize())
                .limit(0);
        this.netOut = ByteBuffer.allocateDirect(packet).limit(0);
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
            try {
                return stepHandshake();
            } catch (SSLHandshakeException e) {
                sendAlert();
                throw new TlsException(TlsException.Reason.HANDSHAKE_REFUSED, e.getMessage(), e);
            } catch (SSLException e) {
                sendAlert();
                throw new TlsException(
                        sawFirstRecord ? TlsException.Reason.HANDSHAKE_REFUSED : TlsException.Reason.NOT_TLS,
                        e.getMessage(),
                        e);
            }
        }
    }

    private Handshake stepHandshake() throws IOException {
        if (!begun) {
            begun = true;
            engine.beginHandshake();
        }
        while (true) {
            if (!flushOut()) {
                return Handshake.NEED_WRITE;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> wrap(NOTHING);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapHandshake()) {
                        return Handshake.NEED_READ;
                    }
                }
                case FINISHED, NOT_HANDSHAKING -> {
                    established = true;
                    return Handshake.DONE;
                }
            }
        }
    }

    /** Unwraps one handshake record, reading from the socket when none is whole; false when the socket had nothing. */
    private boolean unwrapHandshake() throws IOException {
        while (true) {
            if (netIn.position() > 0) {
                checkFirstRecord();
                SSLEngineResult result = unwrap();
                switch (result.getStatus()) {
                    case OK -> {
                        return true;
                    }
                    case CLOSED ->
                        throw new TlsException(
                                TlsException.Reason.CLOSED_DURING_HANDSHAKE,
                                "the peer closed TLS during the handshake",
                                null);
                    case BUFFER_OVERFLOW -> growAppIn();
                    case BUFFER_UNDERFLOW -> growNetInIfFull();
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    continue;
                }
            }
            int read = channel.read(netIn);
            if (read < 0) {
                throw new TlsException(
                        TlsException.Reason.CLOSED_DURING_HANDSHAKE,
                        "the peer closed the connection during the TLS handshake",
                        null);
            }
            if (read == 0) {
                return false;
            }
            if (!sawFirstRecord && !engine.getUseClientMode() && netIn.hasRemaining() && channel.read(netIn) < 0) {
                // The client's first flight came with its end of stream: it gave up (timed out waiting in the accept
                // queue, say) before its handshake began here. Answering would cost a key exchange and a signature
                // for nobody, and a server catching up on a queue of them would fall behind again.
                throw new TlsException(
                        TlsException.Reason.CLOSED_DURING_HANDSHAKE,
                        "the peer closed the connection before its handshake began",
                        null);
            }
        }
    }

    /** A TLS peer's first record is a handshake record (or an alert refusing us); anything else is refused unparsed. */
    private void checkFirstRecord() throws TlsException {
        if (!sawFirstRecord) {
            if (netIn.get(0) != TLS_HANDSHAKE_RECORD && netIn.get(0) != TLS_ALERT_RECORD) {
                throw new TlsException(
                        TlsException.Reason.NOT_TLS,
                        String.format("first byte 0x%02x is not a TLS handshake record", netIn.get(0) & 0xff),
                        null);
            }
            sawFirstRecord = true;
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
        int copied = drainAppIn(dst);
        if (copied > 0 || !dst.hasRemaining()) {
            return copied;
        }
        // Records already here first: over a blocking channel, reading the socket now could wait forever.
        unwrapAvailable();
        copied = drainAppIn(dst);
        if (copied > 0) {
            return copied;
        }
        if (!endOfStream && !engine.isInboundDone() && netIn.hasRemaining() && channel.read(netIn) < 0) {
            endOfStream = true;
        }
        unwrapAvailable();
        copied = drainAppIn(dst);
        if (copied > 0) {
            return copied;
        }
        return engine.isInboundDone() || endOfStream ? -1 : 0;
    }

    /** Whether decrypted bytes, or whole records, wait here with no more to come from the socket to signal them. */
    public boolean hasBufferedInput() {
        return appIn.hasRemaining() || !engine.isInboundDone() && wholeRecordBuffered();
    }

    private boolean wholeRecordBuffered() {
        int buffered = netIn.position();
        return buffered >= RECORD_HEADER && buffered >= RECORD_HEADER + (netIn.getShort(3) & 0xffff);
    }

    private void unwrapAvailable() throws IOException {
        while (netIn.position() > 0 && !engine.isInboundDone()) {
            SSLEngineResult result;
            try {
                result = unwrap();
            } catch (SSLException e) {
                throw new TlsException(TlsException.Reason.BAD_RECORD, e.getMessage(), e);
            }
            switch (result.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> {
                    if (wrapDue != null) {
                        wrapDue.run();
                    }
                }
                default -> {}
            }
            switch (result.getStatus()) {
                case BUFFER_UNDERFLOW -> {
                    growNetInIfFull();
                    return;
                }
                case BUFFER_OVERFLOW -> {
                    if (appIn.hasRemaining()) {
                        return;
                    }
                    growAppIn();
                }
                case CLOSED -> {
                    return;
                }
                case OK -> {
                    if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                        return;
                    }
                }
            }
        }
    }

    private SSLEngineResult unwrap() throws SSLException {
        netIn.flip();
        appIn.compact();
        try {
            return engine.unwrap(netIn, appIn);
        } finally {
            appIn.flip();
            netIn.compact();
        }
    }

    private int drainAppIn(ByteBuffer dst) {
        int count = Math.min(appIn.remaining(), dst.remaining());
        if (count > 0) {
            dst.put(dst.position(), appIn, appIn.position(), count);
            dst.position(dst.position() + count);
            appIn.position(appIn.position() + count);
        }
        return count;
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
            int consumed = 0;
            while (flushOut()) {
                boolean engineWants = engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
                if (!src.hasRemaining() && !engineWants) {
                    break;
                }
                SSLEngineResult result = wrap(src);
                consumed += result.bytesConsumed();
                if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new ClosedChannelException();
                }
            }
            return consumed;
        }
    }

    /** Writes encrypted bytes left over from an earlier write; true when none are left. */
    public boolean flush() throws IOException {
        synchronized (writeLock) {
            return flushOut() && write(NOTHING) >= 0 && !netOut.hasRemaining();
        }
    }

    /** Whether encrypted bytes wait for the socket to become writable. */
    public boolean hasPendingOutput() {
        synchronized (writeLock) {
            return netOut.hasRemaining();
        }
    }

    private boolean flushOut() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    private SSLEngineResult wrap(ByteBuffer src) throws SSLException {
        while (true) {
            netOut.clear();
            SSLEngineResult result;
            try {
                result = engine.wrap(src, netOut);
            } finally {
                netOut.flip();
            }
            if (result.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW) {
                return result;
            }
            netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize())
                    .limit(0);
        }
    }

    /** Best effort: the alert that explains a failed handshake, as far as the socket takes it without waiting. */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            wrap(NOTHING);
            flushOut();
        } catch (IOException | RuntimeException ignored) {
            // the handshake already failed; the alert is a courtesy
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    // The engine raises its sizes when a peer sends larger records than it announced; follow it, rarely.
    private void growNetInIfFull() {
        int needed = engine.getSession().getPacketBufferSize();
        if (!netIn.hasRemaining() && netIn.capacity() < needed) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(needed);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
    }

    private void growAppIn() {
        int needed = engine.getSession().getApplicationBufferSize() + appIn.remaining();
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, appIn.capacity() * 2));
        bigger.put(appIn).flip();
        appIn = bigger;
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
                if (!engine.isOutboundDone()) {
                    engine.closeOutbound();
                    if (flushOut()) {
                        wrap(NOTHING);
                        flushOut();
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // the peer may be gone already; closing the socket is what matters
            } finally {
                channel.close();
            }
        }
    }
}
