package io.sluice.testkit;

import io.sluice.common.EpochClock;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultDescriptor;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EventReader;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.HeartbeatWriter;
import io.sluice.protocol.HelloReader;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.ThrottleSetWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The thread of a {@link FakeMonitor}: one selector over the listening socket and every gateway's connection, the
 * handshake and the frames it answers. Its connections, readers and writers are its thread's alone; the test's thread
 * reaches them only through {@link #run} (a command queue, taken in order after each select).
 */
final class FakeMonitorLoop {
    private static final int MAX_READS_PER_TURN = 16;

    final InetSocketAddress address;
    private final FakeMonitor monitor;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final Authenticator authenticator = new Authenticator(EpochClock.system(), 10_000);
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final List<FakeConnection> connections = new ArrayList<>();
    private volatile boolean running = true;

    private final PollWriter pollWriter = new PollWriter();
    private final ThrottleSetWriter throttleSetWriter = new ThrottleSetWriter();
    private final HeartbeatWriter heartbeatWriter = new HeartbeatWriter();
    private final HelloReader helloReader = new HelloReader();
    private final StatsReader statsReader = new StatsReader();
    private final ThrottleAckReader ackReader = new ThrottleAckReader();
    private final EventReader eventReader = new EventReader();

    FakeMonitorLoop(FakeMonitor monitor, int port) throws IOException {
        this.monitor = monitor;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        // A test restarts a monitor on the port it had, as a restarted monitor would listen.
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        address = (InetSocketAddress) server.getLocalAddress();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = Thread.ofPlatform().name("fake-monitor").daemon(true).start(this::run);
    }

    /** Runs {@code command} on the loop's thread, after those queued before it. */
    void run(Runnable command) {
        commands.add(command);
        selector.wakeup();
    }

    /** Calls {@code action} for each connection in session (of {@code gatewayId}, or of any gateway for 0). */
    void inSession(long gatewayId, Consumer<FakeConnection> action) {
        for (FakeConnection connection : List.copyOf(connections)) {
            if (connection.inSession && (gatewayId == 0 || connection.gatewayId() == gatewayId)) {
                action.accept(connection);
            }
        }
    }

    void poll(FakeConnection connection, long pollSequence) {
        pollWriter.write(
                connection.out,
                connection.handshake.next(),
                connection.gatewayId(),
                pollSequence,
                System.currentTimeMillis());
        flush(connection);
    }

    void throttleSet(
            FakeConnection connection, long commandId, int[] volumeIds, long version, long iops, int weight, long at) {
        throttleSetWriter.begin(
                connection.out, connection.handshake.next(), connection.gatewayId(), commandId, volumeIds.length);
        throttleSetWriter.epoch(at);
        for (int i = 0; i < volumeIds.length; i++) {
            throttleSetWriter
                    .volume(i)
                    .volumeId(volumeIds[i])
                    .version(version)
                    .iopsLimit(iops)
                    .weight(weight);
        }
        throttleSetWriter.commit();
        flush(connection);
    }

    void closeAll() {
        List.copyOf(connections).forEach(this::close);
    }

    private void run() {
        try {
            while (running) {
                selector.select(this::onReady, 100);
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            accept();
            return;
        }
        FakeConnection connection = (FakeConnection) key.attachment();
        if (key.isWritable()) {
            flush(connection);
        }
        if (key.isValid() && key.isReadable()) {
            read(connection);
        }
    }

    private void accept() {
        try {
            SocketChannel channel;
            while ((channel = server.accept()) != null) {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                FakeConnection connection = new FakeConnection(channel, key, authenticator);
                key.attach(connection);
                connections.add(connection);
                monitor.open.incrementAndGet();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(FakeConnection connection) {
        DecodeStatus status = DecodeStatus.NEED_MORE;
        int read = 1;
        // Reads until the socket is empty (a few buffers at most per turn, so one gateway cannot starve the rest):
        // one buffer a turn falls behind a gateway that answers a poll and a throttle set in the same turn.
        for (int turn = 0; turn < MAX_READS_PER_TURN && read > 0 && status == DecodeStatus.NEED_MORE; turn++) {
            try {
                read = connection.decoder.readFrom(connection.channel);
            } catch (IOException e) {
                close(connection);
                return;
            }
            while (connection.channel.isOpen() && (status = connection.decoder.next()) == DecodeStatus.FRAME) {
                onFrame(connection);
            }
            if (!connection.channel.isOpen()) {
                return;
            }
        }
        if (status == DecodeStatus.ERROR) {
            long id = connection.decoder.gatewayId();
            if (id != 0) {
                monitor.seen(id)
                        .decodeErrors
                        .computeIfAbsent(connection.decoder.error(), e -> new AtomicInteger())
                        .incrementAndGet();
            }
            close(connection);
        } else if (status == DecodeStatus.END_OF_STREAM) {
            close(connection);
        }
    }

    private void onFrame(FakeConnection connection) {
        FrameDecoder decoder = connection.decoder;
        switch (decoder.frameType()) {
            case HELLO -> onHello(connection);
            case AUTH -> onAuth(connection);
            case VOLUMES -> onVolumes(connection);
            case STATS -> monitor.recordStats(statsReader.wrap(decoder), connection.gatewayId());
            case THROTTLE_ACK -> monitor.recordAck(ackReader.wrap(decoder), connection.gatewayId());
            case HEARTBEAT -> {
                monitor.seen(connection.gatewayId()).heartbeats.incrementAndGet();
                monitor.heartbeats.incrementAndGet();
                if (!monitor.silent) {
                    heartbeatWriter.write(
                            connection.out,
                            connection.handshake.next(),
                            connection.gatewayId(),
                            System.currentTimeMillis(),
                            0);
                    flush(connection);
                }
            }
            case EVENT -> {
                eventReader.wrap(decoder);
                monitor.seen(connection.gatewayId()).events.incrementAndGet();
                monitor.events.incrementAndGet();
            }
            default -> close(connection);
        }
    }

    private void onHello(FakeConnection connection) {
        HelloReader hello = helloReader.wrap(connection.decoder);
        MonitorHandshake handshake = connection.handshake;
        long gatewayId = handshake.onHello(connection.decoder);
        monitor.gatewayId = gatewayId;
        monitor.hellos.incrementAndGet();
        FakeMonitor.Seen gateway = monitor.seen(gatewayId);
        gateway.connections.incrementAndGet();
        gateway.volumeCount = (int) hello.volumeCount();
        FakeMonitor.HelloAnswer answer = monitor.helloAnswer;
        if (answer != null) {
            answer.write(connection.out, handshake.next(), gatewayId);
            connection.closeAfterFlush = true;
        } else {
            handshake.challenge(connection.out);
        }
        flush(connection);
    }

    private void onAuth(FakeConnection connection) {
        MonitorHandshake handshake = connection.handshake;
        long gatewayId = handshake.gatewayId();
        AuthCheck check = handshake.verify(connection.decoder, monitor.keys.apply(gatewayId));
        FakeMonitor.Seen gateway = monitor.seen(gatewayId);
        gateway.enrollmentToken = handshake.auth().enrollmentToken();
        if (check != AuthCheck.VALID) {
            gateway.refused.incrementAndGet();
            answer(connection, AuthOutcome.REFUSED, AuthReason.WRONG_ANSWER, "wrong answer");
        } else if (monitor.unapproved.contains(gatewayId)) {
            gateway.pending.incrementAndGet();
            answer(connection, AuthOutcome.PENDING, AuthReason.AWAITING_APPROVAL, "awaiting approval");
        } else {
            gateway.accepted.incrementAndGet();
            answer(connection, AuthOutcome.ACCEPTED, AuthReason.NONE, "");
        }
    }

    private void onVolumes(FakeConnection connection) {
        connection.volumeIds = monitor.recordVolumes(connection.handshake.volumes(connection.decoder));
        connection.handshake.volumeIds(connection.out, connection.volumeIds);
        connection.inSession = true;
        monitor.inSession.incrementAndGet();
        monitor.sessions.incrementAndGet();
        flush(connection);
    }

    private void answer(FakeConnection connection, AuthOutcome outcome, AuthReason reason, String message) {
        boolean accepted = outcome == AuthOutcome.ACCEPTED;
        int at = connection.out.position();
        connection.handshake.authResult(
                connection.out,
                connection.decoder,
                outcome,
                reason,
                monitor.pollIntervalMillis,
                accepted ? 0 : monitor.retryAfterMillis,
                message,
                accepted ? monitor.epoch : 0);
        int forged = monitor.forgedRetryAfter;
        if (!accepted && forged != 0) {
            connection.out.putInt(at + AuthResultDescriptor.RETRY_AFTER_OFFSET, forged);
        }
        connection.closeAfterFlush = !accepted;
        flush(connection);
    }

    private void flush(FakeConnection connection) {
        if (!connection.channel.isOpen()) {
            return;
        }
        try {
            connection.out.flip();
            connection.channel.write(connection.out);
            connection.out.compact();
        } catch (IOException e) {
            close(connection);
            return;
        }
        if (connection.out.position() == 0 && connection.closeAfterFlush) {
            close(connection);
            return;
        }
        connection.key.interestOps(
                connection.out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void close(FakeConnection connection) {
        if (!connection.channel.isOpen()) {
            return;
        }
        connection.key.cancel();
        try {
            connection.channel.close();
        } catch (IOException ignored) {
            // Test fake: a failed close changes nothing for the test.
        }
        connections.remove(connection);
        monitor.open.decrementAndGet();
        if (connection.inSession) {
            connection.inSession = false;
            monitor.inSession.decrementAndGet();
        }
    }

    void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll();
        server.close();
        selector.close();
    }
}
