package io.sluice.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that a test can cut (close every connection and refuse new ones) and restore, standing in for
 * a network link between a gateway and the monitor.
 */
final class CuttableProxy implements AutoCloseable {
    private final int port;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile boolean closed;

    CuttableProxy(int port, InetSocketAddress target) throws IOException {
        this.port = port;
        this.target = target;
        listen();
    }

    private void listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        Thread.ofPlatform().daemon().name("proxy-accept").start(() -> accept(s));
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 2_000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread.ofPlatform().daemon().name("proxy-pump").start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // the link was cut or one side closed: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    /** Closes every connection and stops listening: the gateway sees its link drop and cannot reconnect. */
    void cut() {
        closeQuietly(server);
        sockets.forEach(CuttableProxy::closeQuietly);
        sockets.clear();
    }

    /** Listens again on the same port. */
    void restore() throws IOException {
        if (!closed) {
            listen();
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        closed = true;
        cut();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // closing on the way out
        }
    }
}
