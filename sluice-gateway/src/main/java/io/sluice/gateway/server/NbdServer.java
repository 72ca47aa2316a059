package io.sluice.gateway.server;

import io.sluice.gateway.export.ExportAccess;
import io.sluice.gateway.export.Exports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Accepts NBD clients on one TCP address and gives each its own {@link NbdConnection}. A reaper thread hangs up on
 * clients that linger in the handshake, so idle sockets cannot pin threads.
 */
public final class NbdServer implements AutoCloseable {
    private static final long REAPER_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Exports exports;
    private final NbdTls tls;
    private final boolean forcedTls;
    private final ConnectionSettings settings;
    private final MemoryBudget bufferMemory;
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private ServerSocketChannel listener;
    private Thread acceptor;
    private Thread reaper;
    private volatile boolean closing;
    private long nextId;

    public NbdServer(Exports exports, ConnectionSettings settings) {
        this(exports, null, settings);
    }

    /** {@code tls}: the server's certificates, or null to serve plaintext only (STARTTLS unsupported). */
    public NbdServer(Exports exports, NbdTls tls, ConnectionSettings settings) {
        this.exports = exports;
        this.tls = tls;
        this.forcedTls =
                tls != null && exports.all().stream().allMatch(e -> e.access().tls() == ExportAccess.Tls.REQUIRE);
        this.settings = settings;
        this.bufferMemory = new MemoryBudget(settings.bufferMemory());
    }

    /** Binds and starts accepting; returns the bound address (the real port when 0 was asked). */
    public InetSocketAddress start(InetSocketAddress address) throws IOException {
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(address, 128);
        acceptor = Thread.ofPlatform().daemon().name("sluice-nbd-accept").start(this::acceptLoop);
        reaper = Thread.ofPlatform().daemon().name("sluice-nbd-reaper").start(this::reapLoop);
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Out of file descriptors and the like: back off rather than spin.
                LockSupport.parkNanos(REAPER_PERIOD_NANOS);
                continue;
            }
            admit(channel);
        }
    }

    private void admit(SocketChannel channel) {
        try {
            if (connections.size() >= settings.maxConnections() || closing) {
                channel.close();
                return;
            }
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        } catch (IOException e) {
            return;
        }
        NbdConnection connection = new NbdConnection(
                ++nextId, channel, exports, tls, forcedTls, settings, bufferMemory, connections::remove);
        connections.add(connection);
        connection.start();
    }

    private void reapLoop() {
        while (!closing) {
            LockSupport.parkNanos(REAPER_PERIOD_NANOS);
            long now = System.nanoTime();
            for (NbdConnection connection : connections) {
                if (connection.handshakeOverdue(now)) {
                    connection.abort();
                }
            }
        }
    }

    /** Stops accepting, hangs up on every client and waits for their threads. */
    @Override
    public void close() {
        closing = true;
        try {
            if (listener != null) {
                listener.close();
            }
        } catch (IOException ignored) {
            // The listener is going away either way.
        }
        for (NbdConnection connection : connections) {
            connection.abort();
        }
        try {
            if (acceptor != null) {
                acceptor.join();
            }
            if (reaper != null) {
                LockSupport.unpark(reaper);
                reaper.join();
            }
            for (NbdConnection connection : connections) {
                connection.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
