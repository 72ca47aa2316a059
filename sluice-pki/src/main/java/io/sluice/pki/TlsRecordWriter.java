package io.sluice.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * The writing side of a {@link TlsChannel}: encrypts with the engine into one outbound ciphertext buffer (kept in read
 * mode) and writes it to the socket as far as the socket takes it.
 *
 * <p>Not thread-safe: every call comes under the {@link TlsChannel}'s write lock, which the handshake holds too.
 */
final class TlsRecordWriter {
    static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final SocketChannel channel;
    private final SSLEngine engine;
    private ByteBuffer netOut;

    TlsRecordWriter(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        this.netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize())
                .limit(0);
    }

    /** See {@link TlsChannel#write}. */
    int write(ByteBuffer src) throws IOException {
        int consumed = 0;
        while (flush()) {
            boolean engineWants = engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
            if (!src.hasRemaining() && !engineWants) {
                break;
            }
            SSLEngineResult result = wrap(src);
            consumed += result.bytesConsumed();
            if (result.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                TlsChannel.runDelegatedTasks(engine);
            }
            if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new ClosedChannelException();
            }
        }
        return consumed;
    }

    /** Writes what is pending to the socket; true when nothing is left. */
    boolean flush() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    boolean hasPending() {
        return netOut.hasRemaining();
    }

    /** Encrypts into the outbound buffer, replacing what it held: callers flush first. */
    SSLEngineResult wrap(ByteBuffer src) throws SSLException {
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
    void sendAlert() {
        try {
            engine.closeOutbound();
            wrap(NOTHING);
            flush();
        } catch (IOException | RuntimeException ignored) {
            // the handshake already failed; the alert is a courtesy
        }
    }

    /** Sends close_notify as far as the socket takes it without waiting; the caller closes the socket. */
    void sendCloseNotify() throws IOException {
        if (!engine.isOutboundDone()) {
            engine.closeOutbound();
            if (flush()) {
                wrap(NOTHING);
                flush();
            }
        }
    }
}
