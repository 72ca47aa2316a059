package io.sluice.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * The reading side of a {@link TlsChannel}: ciphertext from the socket in one buffer (write mode), decrypted plaintext
 * in another (read mode), both allocated at the sizes the engine asks for.
 *
 * <p>Not thread-safe: once the handshake is done only the reading thread calls it; during the handshake the
 * {@link TlsHandshakeDriver} does, under the {@link TlsChannel}'s write lock, before any reader starts.
 */
final class TlsRecordReader {
    private static final int RECORD_HEADER = 5;

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final Runnable wrapDue;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private boolean endOfStream;

    TlsRecordReader(SocketChannel channel, SSLEngine engine, Runnable wrapDue) {
        this.channel = channel;
        this.engine = engine;
        this.wrapDue = wrapDue;
        this.netIn = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize());
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize())
                .limit(0);
    }

    /** See {@link TlsChannel#read}. */
    int read(ByteBuffer dst) throws IOException {
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

    /** See {@link TlsChannel#hasBufferedInput}. */
    boolean hasBufferedInput() {
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
                case NEED_TASK -> TlsChannel.runDelegatedTasks(engine);
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

    /** Reads what the socket has into the ciphertext buffer: the byte count, or -1 at end of stream. */
    int readSocket() throws IOException {
        return channel.read(netIn);
    }

    boolean hasCiphertext() {
        return netIn.position() > 0;
    }

    boolean hasRoomForCiphertext() {
        return netIn.hasRemaining();
    }

    /** The first byte of buffered ciphertext; only when {@link #hasCiphertext()}. */
    byte firstCiphertextByte() {
        return netIn.get(0);
    }

    SSLEngineResult unwrap() throws SSLException {
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

    // The engine raises its sizes when a peer sends larger records than it announced; follow it, rarely.
    void growNetInIfFull() {
        int needed = engine.getSession().getPacketBufferSize();
        if (!netIn.hasRemaining() && netIn.capacity() < needed) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(needed);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
    }

    void growAppIn() {
        int needed = engine.getSession().getApplicationBufferSize() + appIn.remaining();
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, appIn.capacity() * 2));
        bigger.put(appIn).flip();
        appIn = bigger;
    }
}
