package io.sluice.bench.monitor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The classic design the seed improves on: a thread per gateway, blocking sockets. Each connection's thread reads and
 * answers; a sweep writes POLL to every connection from the caller's thread. {@code virtual} runs the per-gateway
 * threads as virtual threads instead of platform threads.
 */
final class ThreadPerGatewayServer implements SweepServer {
    private final byte[] secret;
    private final boolean virtual;
    private final ServerSocketChannel server;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final AtomicLong reports = new AtomicLong();
    private final Object reportsChanged = new Object();
    private long pollSequence;
    /** Reports that complete the sweep in progress; the readers wake the sweeper only then. */
    private volatile long sweepTarget = Long.MAX_VALUE;

    ThreadPerGatewayServer(byte[] secret, boolean virtual) throws IOException {
        this.secret = secret;
        this.virtual = virtual;
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 4096);
        Thread.ofPlatform().daemon(true).name("accept").start(this::accept);
    }

    private final class Connection {
        final SocketChannel channel;
        final GatewayConversation conversation = new GatewayConversation(secret);
        final ByteBuffer out = ByteBuffer.allocate(4096);

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void serve() {
            try (channel) {
                while (conversation.decoder.readFrom(channel) >= 0) {
                    int seen;
                    synchronized (this) {
                        out.clear();
                        seen = conversation.onBytes(out);
                        flush();
                    }
                    if (seen < 0) {
                        break;
                    }
                    if (seen > 0 && reports.addAndGet(seen) >= sweepTarget) {
                        synchronized (reportsChanged) {
                            reportsChanged.notifyAll();
                        }
                    }
                }
            } catch (IOException e) {
                // the gateway went away
            }
            connections.remove(this);
        }

        synchronized void poll(long sequence) throws IOException {
            out.clear();
            conversation.writePoll(out, sequence);
            flush();
        }

        private void flush() throws IOException {
            out.flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection connection = new Connection(channel);
                connections.add(connection);
                (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true)).start(connection::serve);
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    @Override
    public int sessions() {
        return (int)
                connections.stream().filter(c -> c.conversation.inSession()).count();
    }

    @Override
    public long sweep() throws Exception {
        long start = System.nanoTime();
        long target = reports.get();
        long sequence = ++pollSequence;
        for (Connection c : connections) {
            if (c.conversation.inSession()) {
                c.poll(sequence);
                target++;
            }
        }
        long deadline = start + 30_000_000_000L;
        sweepTarget = target;
        synchronized (reportsChanged) {
            while (reports.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return -1;
                }
                reportsChanged.wait(Math.max(1, left / 1_000_000));
            }
        }
        sweepTarget = Long.MAX_VALUE;
        return System.nanoTime() - start;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Connection c : connections) {
            c.channel.close();
        }
    }
}
