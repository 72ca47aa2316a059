package io.sluice.pki;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/** Runs a TLS handshake between two engines through byte buffers, no sockets: the outcome is the engines'. */
final class InMemoryHandshake {
    private InMemoryHandshake() {}

    /** Completes the handshake, or throws the first engine's refusal. */
    static void run(SSLEngine client, SSLEngine server) throws SSLException {
        int packet = Math.max(
                client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int application = Math.max(
                client.getSession().getApplicationBufferSize(),
                server.getSession().getApplicationBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(packet * 4);
        ByteBuffer toClient = ByteBuffer.allocate(packet * 4);
        ByteBuffer sink = ByteBuffer.allocate(application * 2);
        ByteBuffer empty = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100; round++) {
            boolean moved =
                    step(client, empty, toServer, toClient, sink) | step(server, empty, toClient, toServer, sink);
            if (done(client) && done(server) && toServer.position() == 0 && toClient.position() == 0) {
                return;
            }
            if (!moved) {
                throw new IllegalStateException("handshake stalled: client " + client.getHandshakeStatus() + ", server "
                        + server.getHandshakeStatus());
            }
        }
        throw new IllegalStateException("handshake did not finish in 100 rounds");
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }

    /** One engine writes what it wants to send into {@code out} and consumes what {@code in} holds. */
    private static boolean step(SSLEngine engine, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink)
            throws SSLException {
        boolean moved = false;
        while (true) {
            HandshakeStatus status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run();
                }
                moved = true;
            } else if (status == HandshakeStatus.NEED_WRAP) {
                var result = engine.wrap(empty, out);
                moved |= result.bytesProduced() > 0;
                if (result.bytesProduced() == 0) {
                    return moved;
                }
            } else if (status == HandshakeStatus.NEED_UNWRAP || status == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                in.flip();
                var result = engine.unwrap(in, sink);
                in.compact();
                sink.clear();
                if (result.bytesConsumed() == 0 && status != HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    return moved;
                }
                moved = true;
            } else {
                // Finished: take what the peer still sent (a TLS 1.3 session ticket) without blocking on it.
                if (in.position() > 0) {
                    in.flip();
                    engine.unwrap(in, sink);
                    in.compact();
                    sink.clear();
                    moved = true;
                }
                return moved;
            }
        }
    }
}
