package io.sluice.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
/** TlsChannel between two real non-blocking sockets on loopback, pumped by the test thread (no thread of its own). */
class TlsChannelTest {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private SSLContext serverContext;
    private ServerSocketChannel listener;

    @BeforeEach
    void setUp() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("ca"), "Sluice test CA", EpochClock.system());
        KeyMaterial monitor = ca.issueKeyMaterial(
                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        serverContext = TlsContexts.create(monitor, List.of(ca.certificate()), ca.revocations());
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void tearDown() throws IOException {
        listener.close();
    }

    @Test
    void echoesBothWaysThroughSmallSocketBuffers() throws Exception {
        Pair pair = connect(clientContext(issueClient("gateway-7")), 4096);
        pair.handshake();

        assertThat(Certificates.commonName(pair.server.peerCertificate())).isEqualTo("gateway-7");
        assertThat(pair.server.exportKeyingMaterial("EXPORTER-sluice-test", 32))
                .isEqualTo(pair.client.exportKeyingMaterial("EXPORTER-sluice-test", 32));
        // Sixty-four times the socket buffers: records cross partial writes and reads all the way.
        byte[] sent = randomBytes(256 << 10);
        byte[] echoed = pair.echo(sent);
        assertThat(echoed).isEqualTo(sent);
    }

    @Test
    void oneThreadReadsWhileAnotherWrites() throws Exception {
        Pair pair = connect(clientContext(issueClient("gateway-7")), 0);
        pair.handshake();
        byte[] toServer = randomBytes(3 << 20);
        byte[] toClient = randomBytes(3 << 20);

        // The server reads on this thread while another writes on the same TlsChannel, as the monitor's pairs do.
        CompletableFuture<Void> serverWriter = CompletableFuture.runAsync(() -> pump(pair.server, toClient));
        CompletableFuture<byte[]> clientSide = CompletableFuture.supplyAsync(() -> {
            ByteBuffer out = ByteBuffer.wrap(toServer);
            ByteBuffer in = ByteBuffer.allocate(toClient.length);
            exchange(pair.client, out, in);
            return in.array();
        });
        ByteBuffer received = ByteBuffer.allocate(toServer.length);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (received.hasRemaining()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            readSome(pair.server, received);
        }
        serverWriter.get(60, TimeUnit.SECONDS);
        assertThat(clientSide.get(60, TimeUnit.SECONDS)).isEqualTo(toClient);
        assertThat(received.array()).isEqualTo(toServer);
    }

    @Test
    void aClientThatLeftBeforeTheServerBeganCostsItNoHandshake() throws Exception {
        Pair pair = connect(clientContext(issueClient("gateway-7")), 0);
        assertThat(pair.client.handshake()).as("the ClientHello went out").isEqualTo(TlsChannel.Handshake.NEED_READ);
        // Gave up waiting (in a real server's accept queue): the ClientHello is followed by the end of the stream.
        pair.clientRaw.shutdownOutput();
        Thread.sleep(100); // loopback delivers at once; this is margin for a loaded machine

        assertThatThrownBy(pair.server::handshake)
                .isInstanceOf(TlsException.class)
                .extracting(e -> ((TlsException) e).reason())
                .isEqualTo(TlsException.Reason.CLOSED_DURING_HANDSHAKE);
        pair.serverRaw.close();
        ByteBuffer answer = ByteBuffer.allocate(16_384);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        int read;
        while ((read = pair.clientRaw.read(answer)) == 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(1);
        }
        assertThat(read).as("no ServerHello, no signature: nothing was sent").isEqualTo(-1);
        assertThat(answer.position()).isZero();
    }

    @Test
    void recordsArrivingOneByteAtATimeAreReassembled() throws Exception {
        Trickle trickle = new Trickle();
        trickle.handshake();

        byte[] sent = randomBytes(50_000);
        ByteBuffer out = ByteBuffer.wrap(sent);
        ByteBuffer received = ByteBuffer.allocate(sent.length);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        int reads = 0;
        while (received.hasRemaining()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            trickle.client.write(out);
            trickle.moveOneByte();
            int n = trickle.server.read(received);
            assertThat(n).isGreaterThanOrEqualTo(0);
            reads++;
        }
        assertThat(received.array()).isEqualTo(sent);
        assertThat(reads).isGreaterThan(sent.length);
    }

    @Test
    void closeNotifyEndsTheStreamAfterTheLastBytes() throws Exception {
        Pair pair = connect(clientContext(issueClient("gateway-7")), 0);
        pair.handshake();
        pair.client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        // Read the server's session ticket first: a socket closed with unread bytes is reset, not closed.
        ByteBuffer nothing = ByteBuffer.allocate(16);
        long ticketDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < ticketDeadline) {
            assertThat(pair.client.read(nothing)).isZero();
            Thread.sleep(10);
        }
        pair.client.close();

        ByteBuffer in = ByteBuffer.allocate(16);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        int n;
        while ((n = pair.server.read(in)) >= 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
        }
        assertThat(n).isEqualTo(-1);
        assertThat(in.flip().remaining()).isEqualTo(3);
    }

    @Test
    void aClientCertificateFromAnotherAuthorityIsRefused() throws Exception {
        CertificateAuthority other =
                CertificateAuthority.create(dir.resolve("other"), "Someone else", EpochClock.system());
        KeyMaterial stranger =
                other.issueKeyMaterial("gateway-7", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
        Pair pair = connect(TlsContexts.create(stranger, List.of(ca.certificate())), 0);

        assertThatThrownBy(pair::handshake)
                .isInstanceOf(TlsException.class)
                .satisfies(
                        e -> assertThat(((TlsException) e).reason()).isEqualTo(TlsException.Reason.HANDSHAKE_REFUSED));
        assertThat(pair.failedSide).isEqualTo("server");
    }

    @Test
    void aClientWithoutCertificateIsRefused() throws Exception {
        Pair pair = connect(TlsContexts.create(null, List.of(ca.certificate())), 0);

        assertThatThrownBy(pair::handshake)
                .isInstanceOf(TlsException.class)
                .satisfies(
                        e -> assertThat(((TlsException) e).reason()).isEqualTo(TlsException.Reason.HANDSHAKE_REFUSED));
    }

    @Test
    void aRevokedClientCertificateIsRefused() throws Exception {
        KeyMaterial revoked = issueClient("gateway-7");
        ca.revoke(revoked.certificate().getSerialNumber());
        Pair pair = connect(clientContext(revoked), 0);

        assertThatThrownBy(pair::handshake)
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("revoked")
                .satisfies(
                        e -> assertThat(((TlsException) e).reason()).isEqualTo(TlsException.Reason.HANDSHAKE_REFUSED));
        assertThat(pair.failedSide).isEqualTo("server");
    }

    @Test
    void aServerFromAnotherAuthorityIsRefusedByTheClient() throws Exception {
        CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), "Impostor", EpochClock.system());
        KeyMaterial impostor = other.issueKeyMaterial(
                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        serverContext = TlsContexts.create(impostor, List.of(ca.certificate()));
        Pair pair = connect(clientContext(issueClient("gateway-7")), 0);

        assertThatThrownBy(pair::handshake)
                .isInstanceOf(TlsException.class)
                .satisfies(
                        e -> assertThat(((TlsException) e).reason()).isEqualTo(TlsException.Reason.HANDSHAKE_REFUSED));
        assertThat(pair.failedSide).isEqualTo("client");
    }

    @Test
    void garbageInsteadOfAClientHelloIsATypedErrorAndTheConnectionCloses() throws Exception {
        SocketChannel raw = SocketChannel.open(listener.getLocalAddress());
        SocketChannel accepted = listener.accept();
        accepted.configureBlocking(false);
        TlsChannel server = new TlsChannel(
                accepted, TlsContexts.serverEngine(serverContext, TlsContexts.ClientAuth.REQUIRED), null);
        // A plaintext Sluice HELLO would start like this: not a TLS record.
        raw.write(ByteBuffer.wrap("SLUICE HELLO, let me in".getBytes(StandardCharsets.US_ASCII)));

        TlsException refused = null;
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (refused == null) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            try {
                server.handshake();
            } catch (TlsException e) {
                refused = e;
            }
        }
        assertThat(refused.reason()).isEqualTo(TlsException.Reason.NOT_TLS);
        server.close();
        raw.socket().setSoTimeout(10_000);
        byte[] answer = raw.socket().getInputStream().readAllBytes();
        // At most a TLS alert, then the end of the stream.
        if (answer.length > 0) {
            assertThat(answer[0]).isEqualTo((byte) 21);
            assertThat(answer.length).isLessThan(64);
        }
        raw.close();
    }

    @Test
    void aTruncatedRecordAfterTheHandshakeIsNotMistakenForData() throws Exception {
        Pair pair = connect(clientContext(issueClient("gateway-7")), 0);
        pair.handshake();
        // A record header promising 100 bytes, then a flipped bit where the ciphertext should be.
        pair.clientRaw.write(ByteBuffer.wrap(new byte[] {23, 3, 3, 0, 100}));
        pair.clientRaw.write(ByteBuffer.wrap(randomBytes(100)));

        ByteBuffer in = ByteBuffer.allocate(1024);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        assertThatThrownBy(() -> {
                    while (System.nanoTime() < deadline) {
                        pair.server.read(in);
                    }
                })
                .isInstanceOf(TlsException.class)
                .satisfies(e -> assertThat(((TlsException) e).reason()).isEqualTo(TlsException.Reason.BAD_RECORD));
        assertThat(in.position()).isZero();
    }

    // ---- helpers

    private KeyMaterial issueClient(String name) throws IOException {
        return ca.issueKeyMaterial(name, List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
    }

    private SSLContext clientContext(KeyMaterial own) {
        return TlsContexts.create(own, List.of(ca.certificate()));
    }

    private Pair connect(SSLContext clientContext, int socketBuffer) throws IOException {
        SocketChannel clientRaw = SocketChannel.open();
        if (socketBuffer > 0) {
            clientRaw.setOption(StandardSocketOptions.SO_SNDBUF, socketBuffer);
            clientRaw.setOption(StandardSocketOptions.SO_RCVBUF, socketBuffer);
        }
        clientRaw.connect(listener.getLocalAddress());
        SocketChannel serverRaw = listener.accept();
        if (socketBuffer > 0) {
            serverRaw.setOption(StandardSocketOptions.SO_SNDBUF, socketBuffer);
            serverRaw.setOption(StandardSocketOptions.SO_RCVBUF, socketBuffer);
        }
        clientRaw.configureBlocking(false);
        serverRaw.configureBlocking(false);
        int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        return new Pair(
                clientRaw,
                serverRaw,
                new TlsChannel(clientRaw, TlsContexts.clientEngine(clientContext, "127.0.0.1", port), null),
                new TlsChannel(
                        serverRaw, TlsContexts.serverEngine(serverContext, TlsContexts.ClientAuth.REQUIRED), null));
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }

    private static void readSome(TlsChannel channel, ByteBuffer into) {
        try {
            do {
                if (channel.read(into) < 0) {
                    throw new IllegalStateException("end of stream with " + into.remaining() + " bytes to come");
                }
            } while (channel.hasBufferedInput() && into.hasRemaining());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pump(TlsChannel channel, byte[] data) {
        ByteBuffer out = ByteBuffer.wrap(data);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        try {
            while (out.hasRemaining() || channel.hasPendingOutput()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("write stalled");
                }
                channel.write(out);
                Thread.onSpinWait();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code out} while reading into {@code in}, on one thread, until both are done. */
    private static void exchange(TlsChannel channel, ByteBuffer out, ByteBuffer in) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        try {
            while (out.hasRemaining() || channel.hasPendingOutput() || in.hasRemaining()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("exchange stalled");
                }
                channel.write(out);
                readSome(channel, in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Both ends of one connection, stepped alternately by one thread. */
    private static final class Pair {
        final SocketChannel clientRaw;
        final SocketChannel serverRaw;
        final TlsChannel client;
        final TlsChannel server;
        String failedSide;

        Pair(SocketChannel clientRaw, SocketChannel serverRaw, TlsChannel client, TlsChannel server) {
            this.clientRaw = clientRaw;
            this.serverRaw = serverRaw;
            this.client = client;
            this.server = server;
        }

        void handshake() throws IOException {
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            boolean clientDone = false;
            boolean serverDone = false;
            while (!(clientDone && serverDone)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("handshake stalled");
                }
                try {
                    clientDone = client.handshake() == TlsChannel.Handshake.DONE;
                } catch (TlsException e) {
                    failedSide = "client";
                    throw e;
                }
                try {
                    serverDone = server.handshake() == TlsChannel.Handshake.DONE;
                } catch (TlsException e) {
                    failedSide = "server";
                    throw e;
                }
            }
        }

        /** Client sends, server echoes each byte back as it arrives, client collects the echo. */
        byte[] echo(byte[] data) throws IOException {
            ByteBuffer out = ByteBuffer.wrap(data);
            ByteBuffer relay = ByteBuffer.allocate(8192);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            AtomicInteger turns = new AtomicInteger();
            while (back.hasRemaining()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("echo stalled with " + back.remaining() + " bytes to come");
                }
                turns.incrementAndGet();
                client.write(out);
                if (relay.hasRemaining()) {
                    readSome(server, relay);
                }
                relay.flip();
                server.write(relay);
                relay.compact();
                readSome(client, back);
            }
            return back.array();
        }
    }

    /**
     * A client and a server joined through a relay that moves one byte at a time each way: every TLS record of the
     * handshake and after arrives in as many reads as it has bytes.
     */
    private final class Trickle {
        final TlsChannel client;
        final TlsChannel server;
        private final SocketChannel relayFromClient;
        private final SocketChannel relayToServer;
        private final ByteBuffer one = ByteBuffer.allocate(1);

        Trickle() throws IOException {
            try (ServerSocketChannel relayListener =
                    ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
                SocketChannel clientRaw = SocketChannel.open(relayListener.getLocalAddress());
                relayFromClient = relayListener.accept();
                relayToServer = SocketChannel.open(listener.getLocalAddress());
                SocketChannel serverRaw = listener.accept();
                for (SocketChannel c : List.of(clientRaw, relayFromClient, relayToServer, serverRaw)) {
                    c.configureBlocking(false);
                }
                client = new TlsChannel(
                        clientRaw,
                        TlsContexts.clientEngine(clientContext(issueClient("gateway-7")), "127.0.0.1", 1),
                        null);
                server = new TlsChannel(
                        serverRaw, TlsContexts.serverEngine(serverContext, TlsContexts.ClientAuth.REQUIRED), null);
            }
        }

        void handshake() throws IOException {
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            boolean clientDone = false;
            boolean serverDone = false;
            while (!(clientDone && serverDone)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("handshake stalled");
                }
                clientDone = client.handshake() == TlsChannel.Handshake.DONE;
                moveOneByte();
                serverDone = server.handshake() == TlsChannel.Handshake.DONE;
            }
        }

        /** At most one byte each way. */
        void moveOneByte() throws IOException {
            move(relayFromClient, relayToServer);
            move(relayToServer, relayFromClient);
        }

        private void move(SocketChannel from, SocketChannel to) throws IOException {
            one.clear();
            if (from.read(one) > 0) {
                one.flip();
                while (one.hasRemaining()) {
                    to.write(one);
                }
            }
        }
    }
}
