package io.sluice.sim;

import io.sluice.common.EpochClock;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReader;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultDescriptor;
import io.sluice.protocol.AuthResultWriter;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.Challenge;
import io.sluice.protocol.ChallengeWriter;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EventReader;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameError;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.HelloReader;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.Peer;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.protocol.VolumeIdsWriter;
import io.sluice.protocol.VolumesReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for the monitor daemon, since the simulator cannot depend on sluice-monitor (whose tests use the
 * simulator): one thread, one selector, the real frames. It does the handshake (accepting gateways whose answer matches
 * the key derived from the secret, pending those listed as unapproved, refusing the rest), and polls or sends throttle
 * sets when a test asks. What it received is kept per gateway in a {@link Seen}, readable from the test thread.
 */
final class FakeMonitor implements AutoCloseable {
    static final int POLL_INTERVAL_MILLIS = 1000;

    private final byte[] secret;
    private final int retryAfterMillis;
    private volatile int forgedRetryAfter;
    private final Set<Long> unapproved = ConcurrentHashMap.newKeySet();
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final Authenticator authenticator = new Authenticator(EpochClock.system(), 10_000);
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Map<Long, Seen> seen = new ConcurrentHashMap<>();
    private final Map<Long, Long> pollSentAt = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> answersByPoll = new ConcurrentHashMap<>();
    private final AtomicLong pollSequence = new AtomicLong();
    private final AtomicLong commandIds = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Connection> connections = new ArrayList<>();
    private volatile boolean running = true;

    private final ChallengeWriter challengeWriter = new ChallengeWriter();
    private final AuthResultWriter authResultWriter = new AuthResultWriter();
    private final PollWriter pollWriter = new PollWriter();
    private final ThrottleSetWriter throttleSetWriter = new ThrottleSetWriter();
    private final HelloReader helloReader = new HelloReader();
    private final VolumesReader volumesReader = new VolumesReader();
    private final VolumeIdsWriter volumeIdsWriter = new VolumeIdsWriter();
    private final AuthReader authReader = new AuthReader();
    private final StatsReader statsReader = new StatsReader();
    private final ThrottleAckReader ackReader = new ThrottleAckReader();
    private final EventReader eventReader = new EventReader();

    /** What the monitor saw of one gateway, over all its connections. */
    static final class Seen {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger pending = new AtomicInteger();
        final AtomicInteger stats = new AtomicInteger();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger heartbeats = new AtomicInteger();
        final AtomicInteger events = new AtomicInteger();
        final AtomicInteger reportSequenceBreaks = new AtomicInteger();
        final AtomicLong lastReportSequence = new AtomicLong();
        /** Read + write ops of each volume in the last STATS, by volume id. */
        final Map<Integer, Long> lastOps = new ConcurrentHashMap<>();
        /** Read + write ops per second of each volume in the last STATS, by volume id. */
        final Map<Integer, Double> lastRate = new ConcurrentHashMap<>();

        final Map<Integer, Long> lastThrottledNanos = new ConcurrentHashMap<>();
        final Map<Integer, Long> lastThrottleVersion = new ConcurrentHashMap<>();
        final Map<Long, List<ThrottleAckStatus>> acksByCommand = new ConcurrentHashMap<>();
        final Map<FrameError, AtomicInteger> decodeErrors = new ConcurrentHashMap<>();
        final AtomicLong slowestAnswerMillis = new AtomicLong();
        volatile byte[] enrollmentToken;
        volatile int volumeCount;
    }

    private static final class Connection {
        final SocketChannel channel;
        final SelectionKey key;
        final FrameDecoder decoder =
                FrameDecoder.forConnection(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, 0);
        final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        final Challenge challenge = new Challenge();
        long sequence = 1;
        long gatewayId;
        int[] volumeIds = new int[0];
        boolean inSession;
        boolean closeAfterFlush;

        Connection(SocketChannel channel, SelectionKey key) {
            this.channel = channel;
            this.key = key;
        }
    }

    FakeMonitor(byte[] secret, int retryAfterMillis) throws IOException {
        this.secret = secret;
        this.retryAfterMillis = retryAfterMillis;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = Thread.ofPlatform().name("fake-monitor").daemon(true).start(this::run);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /** Gateways with this id are answered PENDING. */
    void unapprove(long gatewayId) {
        unapproved.add(gatewayId);
    }

    /** From now on, PENDING and REFUSED carry this raw retry-after, as a forger on the path could write it. */
    void forgeRetryAfter(int millis) {
        forgedRetryAfter = millis;
    }

    void approve(long gatewayId) {
        unapproved.remove(gatewayId);
    }

    Seen seen(long gatewayId) {
        return seen.computeIfAbsent(gatewayId, id -> new Seen());
    }

    Collection<Seen> allSeen() {
        return seen.values();
    }

    /** Connections open now, in session or not. */
    int openConnections() {
        return open.get();
    }

    /** STATS received for poll {@code sequence}. */
    int answers(long sequence) {
        AtomicInteger count = answersByPoll.get(sequence);
        return count == null ? 0 : count.get();
    }

    /** Sends POLL to every gateway in session; returns the poll sequence. */
    long pollAll() {
        long sequence = pollSequence.incrementAndGet();
        run(() -> {
            pollSentAt.put(sequence, System.currentTimeMillis());
            for (Connection connection : connections) {
                if (connection.inSession) {
                    pollWriter.write(
                            connection.out,
                            connection.sequence++,
                            connection.gatewayId,
                            sequence,
                            System.currentTimeMillis());
                    flush(connection);
                }
            }
        });
        return sequence;
    }

    /** Sends every gateway in session one THROTTLE_SET for all its volumes; returns the command id. */
    long throttleAll(long version, long iopsLimit) {
        long commandId = commandIds.incrementAndGet();
        run(() -> {
            for (Connection connection : connections) {
                if (connection.inSession) {
                    writeThrottleSet(connection, commandId, connection.volumeIds, version, iopsLimit);
                }
            }
        });
        return commandId;
    }

    /** Sends one gateway a THROTTLE_SET for the given volume ids (known or not); returns the command id. */
    long throttle(long gatewayId, long version, long iopsLimit, int... volumeIds) {
        long commandId = commandIds.incrementAndGet();
        run(() -> {
            for (Connection connection : connections) {
                if (connection.inSession && connection.gatewayId == gatewayId) {
                    writeThrottleSet(connection, commandId, volumeIds, version, iopsLimit);
                }
            }
        });
        return commandId;
    }

    /** Closes every gateway connection (as a monitor restart would). */
    void dropAll() {
        run(() -> List.copyOf(connections).forEach(this::close));
    }

    private void writeThrottleSet(Connection connection, long commandId, int[] volumeIds, long version, long iops) {
        throttleSetWriter.begin(
                connection.out, connection.sequence++, connection.gatewayId, commandId, volumeIds.length);
        for (int i = 0; i < volumeIds.length; i++) {
            throttleSetWriter.volume(i).volumeId(volumeIds[i]).version(version).iopsLimit(iops);
        }
        throttleSetWriter.commit();
        flush(connection);
    }

    private void run(Runnable command) {
        commands.add(command);
        selector.wakeup();
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
        Connection connection = (Connection) key.attachment();
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
                SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                Connection connection = new Connection(channel, key);
                key.attach(connection);
                connections.add(connection);
                open.incrementAndGet();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(Connection connection) {
        try {
            connection.decoder.readFrom(connection.channel);
        } catch (IOException e) {
            close(connection);
            return;
        }
        DecodeStatus status = DecodeStatus.NEED_MORE;
        while (connection.channel.isOpen() && (status = connection.decoder.next()) == DecodeStatus.FRAME) {
            onFrame(connection);
        }
        if (status == DecodeStatus.ERROR) {
            long id = connection.decoder.gatewayId();
            if (id != 0) {
                seen(id).decodeErrors
                        .computeIfAbsent(connection.decoder.error(), e -> new AtomicInteger())
                        .incrementAndGet();
            }
            close(connection);
        } else if (status == DecodeStatus.END_OF_STREAM) {
            close(connection);
        }
    }

    private void onFrame(Connection connection) {
        FrameDecoder decoder = connection.decoder;
        switch (decoder.frameType()) {
            case HELLO -> {
                HelloReader hello = helloReader.wrap(decoder);
                connection.gatewayId = hello.gatewayId();
                Seen gateway = seen(connection.gatewayId);
                gateway.connections.incrementAndGet();
                gateway.volumeCount = (int) hello.volumeCount();
                authenticator.issue(connection.challenge, connection.gatewayId);
                challengeWriter.write(
                        connection.out, connection.sequence++, connection.gatewayId, connection.challenge);
                flush(connection);
            }
            case AUTH -> {
                AuthReader auth = authReader.wrap(decoder);
                Seen gateway = seen(connection.gatewayId);
                gateway.enrollmentToken = auth.enrollmentToken();
                AuthCheck check = authenticator.verify(
                        connection.challenge,
                        GatewayKeys.derive(secret, connection.gatewayId),
                        auth.buffer(),
                        auth.answerOffset());
                if (check != AuthCheck.VALID) {
                    gateway.refused.incrementAndGet();
                    answer(connection, AuthOutcome.REFUSED, AuthReason.WRONG_ANSWER);
                } else if (unapproved.contains(connection.gatewayId)) {
                    gateway.pending.incrementAndGet();
                    answer(connection, AuthOutcome.PENDING, AuthReason.AWAITING_APPROVAL);
                } else {
                    gateway.accepted.incrementAndGet();
                    decoder.authenticated();
                    answer(connection, AuthOutcome.ACCEPTED, AuthReason.NONE);
                }
            }
            case VOLUMES -> {
                // A fresh server honours every proposal that no other volume holds; this one gives them all.
                VolumesReader volumes = volumesReader.wrap(decoder);
                connection.volumeIds = new int[volumes.volumeCount()];
                for (int i = 0; i < connection.volumeIds.length; i++) {
                    connection.volumeIds[i] = volumes.volumeId(i);
                }
                connection.inSession = true;
                volumeIdsWriter.write(
                        connection.out,
                        connection.sequence++,
                        connection.gatewayId,
                        connection.volumeIds,
                        connection.volumeIds.length);
                flush(connection);
            }
            case STATS -> {
                StatsReader stats = statsReader.wrap(decoder);
                Seen gateway = seen(connection.gatewayId);
                gateway.stats.incrementAndGet();
                long previous = gateway.lastReportSequence.getAndSet(stats.reportSequence());
                if (stats.reportSequence() != previous + 1) {
                    gateway.reportSequenceBreaks.incrementAndGet();
                }
                for (int i = 0; i < stats.volumeCount(); i++) {
                    var volume = stats.volume(i);
                    long ops = volume.ops(IoDirection.READ) + volume.ops(IoDirection.WRITE);
                    gateway.lastOps.put(volume.volumeId(), ops);
                    if (stats.intervalMillis() > 0) {
                        gateway.lastRate.put(volume.volumeId(), ops * 1000.0 / stats.intervalMillis());
                    }
                    gateway.lastThrottledNanos.put(
                            volume.volumeId(),
                            volume.throttledNanos(IoDirection.READ) + volume.throttledNanos(IoDirection.WRITE));
                    gateway.lastThrottleVersion.put(volume.volumeId(), volume.throttleVersion());
                }
                answersByPoll
                        .computeIfAbsent(stats.pollSequence(), s -> new AtomicInteger())
                        .incrementAndGet();
                Long sentAt = pollSentAt.get(stats.pollSequence());
                if (sentAt != null) {
                    gateway.slowestAnswerMillis.accumulateAndGet(System.currentTimeMillis() - sentAt, Math::max);
                }
            }
            case THROTTLE_ACK -> {
                ThrottleAckReader ack = ackReader.wrap(decoder);
                Seen gateway = seen(connection.gatewayId);
                List<ThrottleAckStatus> statuses = new ArrayList<>();
                for (int i = 0; i < ack.volumeCount(); i++) {
                    statuses.add(ack.status(i));
                }
                gateway.acksByCommand.put(ack.commandId(), statuses);
                gateway.acks.incrementAndGet();
            }
            case HEARTBEAT -> seen(connection.gatewayId).heartbeats.incrementAndGet();
            case EVENT -> {
                eventReader.wrap(decoder);
                seen(connection.gatewayId).events.incrementAndGet();
            }
            default -> close(connection);
        }
    }

    private void answer(Connection connection, AuthOutcome outcome, AuthReason reason) {
        boolean accepted = outcome == AuthOutcome.ACCEPTED;
        int at = connection.out.position();
        authResultWriter.write(
                connection.out,
                connection.sequence++,
                connection.gatewayId,
                outcome,
                reason,
                POLL_INTERVAL_MILLIS,
                accepted ? 0 : retryAfterMillis,
                "");
        if (!accepted && forgedRetryAfter != 0) {
            connection.out.putInt(at + AuthResultDescriptor.RETRY_AFTER_OFFSET, forgedRetryAfter);
        }
        connection.closeAfterFlush = outcome != AuthOutcome.ACCEPTED;
        flush(connection);
    }

    private void flush(Connection connection) {
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

    private void close(Connection connection) {
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
        open.decrementAndGet();
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection connection : List.copyOf(connections)) {
            close(connection);
        }
        server.close();
        selector.close();
    }
}
