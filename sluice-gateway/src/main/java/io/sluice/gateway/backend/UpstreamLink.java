package io.sluice.gateway.backend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One connection of an {@link UpstreamNbdBackend} to its upstream, with the thread that reads its replies. A broken
 * link is never used again; the backend's reconnector makes a new one.
 */
final class UpstreamLink {
    /** The socket, closed to end everything; {@code in} and {@code out} are it or the TLS session on it. */
    final SocketChannel channel;

    final ByteChannel in;
    final GatheringByteChannel out;
    Thread reader;
    volatile boolean broken;
    /** What the negotiation agreed: the export's size and flags, structured replies, block sizes. */
    final UpstreamHandshake.Result agreed;
    /** Set by the reader when the stream simply ended (the upstream went away), as against garbage. */
    boolean endOfStream;

    private UpstreamLink(SocketChannel channel, ByteChannel session, UpstreamHandshake.Result agreed) {
        this.channel = channel;
        this.in = session;
        this.agreed = agreed;
        // The socket or a TlsChannel: both gather.
        this.out = (GatheringByteChannel) session;
    }

    /** Connects and negotiates; with {@code timeoutMillis} > 0 the socket is closed if that takes longer. */
    static UpstreamLink open(UpstreamAddress address, long timeoutMillis) throws IOException {
        SocketChannel channel = address.socket() instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        CountDownLatch negotiated = new CountDownLatch(1);
        if (timeoutMillis > 0) {
            Thread.ofVirtual().start(() -> {
                try {
                    if (!negotiated.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                        try {
                            channel.close();
                        } catch (IOException ignored) {
                            // the handshake fails on the closed socket
                        }
                    }
                } catch (InterruptedException ignored) {
                    // not interrupted by anyone
                }
            });
        }
        try {
            channel.connect(address.socket());
            if (!(address.socket() instanceof UnixDomainSocketAddress)) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            UpstreamHandshake handshake = new UpstreamHandshake(channel);
            UpstreamHandshake.TlsStart tls = null;
            if (address.tlsCertificates() != null) {
                UpstreamTls upstream =
                        UpstreamTls.load(address.tlsCertificates(), (InetSocketAddress) address.socket());
                tls = () -> upstream.start(channel);
            }
            UpstreamHandshake.Result agreed = handshake.negotiate(address.exportName(), tls);
            return new UpstreamLink(channel, handshake.channel(), agreed);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        } finally {
            negotiated.countDown();
        }
    }
}
