package io.sluice.sim;

import io.sluice.pki.TlsChannel;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.HelloDescriptor;
import io.sluice.protocol.Peer;
import io.sluice.protocol.SessionOutbox;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.ThrottleAckDescriptor;
import io.sluice.protocol.VolumesDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.SplittableRandom;

/**
 * A simulated gateway's non-blocking connection to a monitor, plain or TLS, registered with its loop's selector: the
 * I/O under the gateway's session. It reports to its {@link SimulatedGateway} when the connection is up, each whole
 * frame it decodes, and how it broke; on the loop's thread only.
 *
 * <p>The decoder and the output buffer are allocated once and serve every connection. If the monitor stops reading and
 * the buffer fills, {@link #room} says no and counts it ({@link SimCounter#OUTPUT_FULL}), as a gateway with bounded
 * memory would have to.
 */
final class SimConnection implements SessionOutbox {
    private static final int SMALL_FRAMES_ROOM = 2048;

    private final SimulatedGateway gateway;
    private final SimLoop loop;
    /** The address it connects from, or null for the kernel's choice. */
    private final InetSocketAddress source;

    final FrameDecoder decoder;
    private final ByteBuffer out;

    private SocketChannel channel;
    /** TLS over {@link #channel} when the simulator has a CA, else null. */
    private TlsChannel tls;
    /** What frames go through: {@link #tls} or the channel. */
    private ByteChannel link;

    private SelectionKey selectionKey;
    /** The monitor of the current connection, as dialled (resolved): the name TLS checks. */
    private InetSocketAddress dialled;

    private boolean handshaking;
    private boolean shutdownAfterFlush;
    /** The loop's time when it last called in: what {@link #room} flushes at. */
    private long clockMillis;

    /**
     * Room for the handshake's frames, or a STATS report and a THROTTLE_ACK for every volume, and a few small frames.
     */
    SimConnection(SimulatedGateway gateway, SimLoop loop, InetSocketAddress source, int volumes) {
        this.gateway = gateway;
        this.loop = loop;
        this.source = source;
        // Accepts what a monitor may send (a THROTTLE_SET for thousands of volumes) but starts small: most
        // frames from the monitor are POLLs of 40 bytes.
        this.decoder = FrameDecoder.forConnection(
                Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, gateway.gatewayId());
        int hello =
                HelloDescriptor.frameLength(HelloDescriptor.MAX_NAME_LENGTH) + VolumesDescriptor.frameLength(volumes);
        int reply = StatsDescriptor.frameLength(volumes) + ThrottleAckDescriptor.frameLength(volumes);
        this.out = ByteBuffer.allocate(Math.max(hello, reply) + SMALL_FRAMES_ROOM);
    }

    boolean isOpen() {
        return channel != null;
    }

    /** Starts connecting to {@code monitor} (looked up now if unresolved); false if that failed at once. */
    boolean open(InetSocketAddress monitor, long now) {
        clockMillis = now;
        dialled = monitor.isUnresolved() ? new InetSocketAddress(monitor.getHostString(), monitor.getPort()) : monitor;
        try {
            channel = SocketChannel.open();
            link = channel;
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (source != null) {
                channel.bind(source);
            }
            selectionKey = channel.register(loop.selector(), 0, gateway);
            if (channel.connect(dialled)) {
                connected(now);
            } else {
                selectionKey.interestOps(SelectionKey.OP_CONNECT);
            }
            return true;
        } catch (IOException e) {
            close();
            return false;
        }
    }

    void onReady(SelectionKey key, long now) {
        clockMillis = now;
        if (!key.isValid()) {
            return;
        }
        if (key.isConnectable()) {
            finishConnect(now);
        } else if (handshaking) {
            stepTls(now);
        } else {
            if (key.isWritable()) {
                flush(now);
            }
            if (key.isValid() && key.isReadable()) {
                read(now);
            }
        }
    }

    private void finishConnect(long now) {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            gateway.lost(SimCounter.CONNECT_FAILURES, now);
            return;
        }
        connected(now);
    }

    private void connected(long now) {
        SimTls simTls = loop.context().tls();
        gateway.onConnected(simTls != null);
        if (simTls == null) {
            ready(now);
            return;
        }
        tls = new TlsChannel(channel, simTls.engine(gateway.gatewayId(), dialled), null);
        link = tls;
        handshaking = true;
        stepTls(now);
    }

    private void stepTls(long now) {
        TlsChannel.Handshake step;
        try {
            step = tls.handshake();
        } catch (IOException e) {
            gateway.lost(SimCounter.CONNECTIONS_LOST, now);
            return;
        }
        switch (step) {
            case NEED_READ -> selectionKey.interestOps(SelectionKey.OP_READ);
            case NEED_WRITE -> selectionKey.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            case DONE -> {
                handshaking = false;
                ready(now);
                if (channel != null && tls.hasBufferedInput()) {
                    read(now);
                }
            }
        }
    }

    /** Frames may flow: a fresh decoder and buffer, and the gateway's HELLO. */
    private void ready(long now) {
        decoder.reset();
        out.clear();
        shutdownAfterFlush = false;
        selectionKey.interestOps(SelectionKey.OP_READ);
        gateway.onReadyForFrames(now);
        flush(now);
    }

    private void read(long now) {
        int read;
        do {
            read = readOnce(now);
            // Decrypted bytes the decoder had no room for wait in the TLS channel; no selector signals them.
        } while (read > 0 && tls != null && tls.hasBufferedInput());
    }

    /** One read and the frames it completed: the bytes read, or -1 when the connection ended. */
    private int readOnce(long now) {
        int read;
        try {
            read = decoder.readFrom(link);
        } catch (IOException e) {
            gateway.lost(SimCounter.CONNECTIONS_LOST, now);
            return -1;
        }
        DecodeStatus status = DecodeStatus.NEED_MORE;
        while (channel != null && (status = decoder.next()) == DecodeStatus.FRAME) {
            gateway.onFrame(now);
        }
        if (channel == null) {
            return -1;
        }
        if (status == DecodeStatus.END_OF_STREAM) {
            gateway.lost(SimCounter.CONNECTIONS_LOST, now);
        } else if (status == DecodeStatus.ERROR) {
            gateway.lost(SimCounter.PROTOCOL_ERRORS, now);
        }
        return channel == null ? -1 : read;
    }

    /**
     * Room for {@code length} more bytes in the output buffer, flushing first if they do not fit yet; null (counted)
     * when the monitor has not read enough for them.
     */
    @Override
    public ByteBuffer room(int length) {
        if (out.remaining() < length) {
            flush(clockMillis);
        }
        if (channel != null && out.remaining() >= length) {
            return out;
        }
        if (channel != null) {
            gateway.count(SimCounter.OUTPUT_FULL);
        }
        return null;
    }

    /**
     * Sends a corrupt frame of this {@code kind} (shutting the output down after it, if the kind says so); false when
     * there was no room for it.
     */
    boolean sendCorrupt(CorruptFrame kind, long sequence, SplittableRandom random, long now) {
        ByteBuffer room = room(CorruptFrame.MAX_LENGTH);
        if (room == null) {
            return false;
        }
        kind.write(room, sequence, gateway.gatewayId(), random);
        shutdownAfterFlush = kind.endsStream();
        flush(now);
        return true;
    }

    /** Writes what the socket takes now; the rest waits for OP_WRITE. */
    void flush(long now) {
        if (channel == null) {
            return;
        }
        try {
            if (out.position() > 0 || tlsPending()) {
                out.flip();
                link.write(out);
                out.compact();
            }
            if (out.position() == 0 && shutdownAfterFlush) {
                shutdownAfterFlush = false;
                channel.shutdownOutput();
            }
        } catch (IOException e) {
            gateway.lost(SimCounter.CONNECTIONS_LOST, now);
            return;
        }
        int interest = out.position() > 0 || tlsPending()
                ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
                : SelectionKey.OP_READ;
        if (selectionKey.interestOps() != interest) {
            selectionKey.interestOps(interest);
        }
    }

    private boolean tlsPending() {
        return tls != null && tls.hasPendingOutput();
    }

    void close() {
        if (channel == null) {
            return;
        }
        if (selectionKey != null) {
            selectionKey.cancel();
        }
        try {
            link.close();
        } catch (IOException ignored) {
            // Closing a socket that failed: nothing left to do with it.
        }
        channel = null;
        tls = null;
        link = null;
        selectionKey = null;
        handshaking = false;
    }
}
