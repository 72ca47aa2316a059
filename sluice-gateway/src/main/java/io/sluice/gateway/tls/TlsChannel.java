package io.sluice.gateway.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/**
 * A TLS session layered on a TCP socket after NBD_OPT_STARTTLS by the gateway's client of an upstream (a blocking JSSE
 * socket; the server side uses {@link EngineTlsChannel}, which also runs non-blocking), as a channel, so the handshake
 * and the transmission code read and write it as they do the plain socket. One thread may read while another writes
 * (JSSE locks each direction separately). A write gathers its buffers into records of up to 16 KiB, so a request header
 * and its data leave in one record rather than a tiny one and a big one. Writes come from one thread at a time (the
 * handshake, then the holder of the upstream's send lock). Closing it closes the raw socket without a close_notify,
 * which could block on a client that does not read.
 */
public final class TlsChannel extends GatheringChannel {
    private static final int RECORD = 16 * 1024;

    private final SSLSocket socket;
    private final SocketChannel raw;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] readBuffer = new byte[RECORD];
    private final byte[] writeBuffer = new byte[RECORD];

    /** Layers a TLS socket (already configured for its side) on {@code raw} and runs its handshake. */
    public static TlsChannel handshake(SSLSocket socket, SocketChannel raw) throws IOException {
        socket.startHandshake();
        return new TlsChannel(socket, raw);
    }

    private TlsChannel(SSLSocket socket, SocketChannel raw) throws IOException {
        this.socket = socket;
        this.raw = raw;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public SSLSocket socket() {
        return socket;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = in.read(readBuffer, 0, Math.min(dst.remaining(), readBuffer.length));
        if (n > 0) {
            dst.put(readBuffer, 0, n);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long written = 0;
        int filled = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer src = srcs[i];
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), writeBuffer.length - filled);
                src.get(writeBuffer, filled, n);
                filled += n;
                written += n;
                if (filled == writeBuffer.length) {
                    out.write(writeBuffer, 0, filled);
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            out.write(writeBuffer, 0, filled);
        }
        out.flush();
        return written;
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
