package io.sluice.gateway;

import io.sluice.common.EpochClock;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReader;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultWriter;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.Challenge;
import io.sluice.protocol.ChallengeWriter;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EventReader;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.HeartbeatWriter;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.Peer;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.StandbyWriter;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.protocol.VolumeIdsWriter;
import io.sluice.protocol.VolumeStatsFlyweight;
import io.sluice.protocol.VolumesReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;

/**
 * A small monitor for the gateway's link tests: real sockets on loopback, one connection at a time, the real protocol
 * (sluice-protocol's decoder, readers and writers, and Authenticator). It authenticates with the key it is given,
 * records what the gateway sends, and sends POLL and THROTTLE_SET when the test says so.
 */
final class FakeMonitor implements AutoCloseable {
    record Volume(int id, String name, long capacity, int flags) {}

    record VolumeReport(
            int volumeId,
            long readOps,
            long writeOps,
            long readBytes,
            long writeBytes,
            long latencyCount,
            long throttleVersion,
            long capacity) {}

    record Report(long reportSequence, long pollSequence, List<VolumeReport> volumes) {}

    record Ack(long commandId, int volumeId, ThrottleAckStatus status, long versionInForce) {}

    private final byte[] key;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Authenticator authenticator = new Authenticator(EpochClock.system(), 10_000);
    private volatile Socket connection;
    private volatile boolean inSession;
    private volatile boolean running = true;
    private long sentSequence;
    private long pollSequence;
    private volatile boolean silent;

    final AtomicInteger sessions = new AtomicInteger();
    final AtomicInteger heartbeats = new AtomicInteger();
    final AtomicInteger hellos = new AtomicInteger();
    final AtomicInteger events = new AtomicInteger();
    /** The volumes of each VOLUMES received, in order. */
    final List<List<Volume>> volumeLists = new CopyOnWriteArrayList<>();

    final List<Report> reports = new CopyOnWriteArrayList<>();
    final List<Ack> acks = new CopyOnWriteArrayList<>();
    volatile long gatewayId;
    /** The fencing epoch this monitor says in AUTH_RESULT ACCEPTED and stamps on its throttle sets. */
    volatile long epoch;
    /**
     * When set, what this monitor answers HELLO with instead of CHALLENGE (a standby's STANDBY, or any bytes a test
     * likes, given the frame's sequence and the gateway id); it then closes the connection.
     */
    volatile HelloAnswer helloAnswer;

    /** Writes a frame (or anything) into the buffer in answer to HELLO. */
    interface HelloAnswer {
        void write(ByteBuffer buffer, long sequence, long gatewayId);
    }

    /** A standby's answer naming {@code active} ({@code HOST:PORT}), or none known for null. */
    static HelloAnswer standbyOf(String active) {
        return (b, sequence, gateway) -> new StandbyWriter()
                .write(b, sequence, gateway, active == null ? 100 : 0, StandbyWriter.addressBytes(active));
    }
    /**
     * The id this monitor assigns to a volume, from the id its gateway proposed: the proposal, as a fresh server would.
     */
    volatile IntUnaryOperator assignIds = proposed -> proposed;

    FakeMonitor(byte[] key, int port) throws IOException {
        this.key = key;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        acceptor = Thread.ofPlatform().daemon().name("fake-monitor").start(this::acceptLoop);
    }

    /** Sets the fencing epoch before any gateway connects. */
    FakeMonitor atEpoch(long value) {
        epoch = value;
        return this;
    }

    int port() {
        return server.getLocalPort();
    }

    boolean inSession() {
        return inSession;
    }

    private void acceptLoop() {
        while (running) {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                connection = s;
                serve(s);
            } catch (IOException e) {
                // connection over (or the server closed): take the next one
            } finally {
                inSession = false;
                connection = null;
            }
        }
    }

    private void serve(Socket s) throws IOException {
        synchronized (this) {
            sentSequence = 1;
        }
        InputStream in = s.getInputStream();
        FrameDecoder decoder =
                FrameDecoder.forConnection(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, 0);
        Challenge challenge = new Challenge();
        byte[] bytes = new byte[65536];
        while (running) {
            int n = in.read(bytes);
            if (n < 0) {
                return;
            }
            ByteBuffer chunk = ByteBuffer.wrap(bytes, 0, n);
            while (chunk.hasRemaining()) {
                decoder.feed(chunk);
                DecodeStatus status;
                while ((status = decoder.next()) == DecodeStatus.FRAME) {
                    onFrame(decoder, challenge);
                }
                if (status == DecodeStatus.ERROR) {
                    throw new IOException("bad frame: " + decoder.error());
                }
            }
        }
    }

    private void onFrame(FrameDecoder decoder, Challenge challenge) throws IOException {
        switch (decoder.frameType()) {
            case HELLO -> {
                gatewayId = decoder.gatewayId();
                hellos.incrementAndGet();
                HelloAnswer answer = helloAnswer;
                if (answer != null) {
                    send(b -> answer.write(b, next(), gatewayId));
                    dropConnection();
                    return;
                }
                authenticator.issue(challenge, gatewayId);
                send(b -> new ChallengeWriter().write(b, next(), gatewayId, challenge));
            }
            case AUTH -> {
                AuthReader auth = new AuthReader().wrap(decoder);
                AuthCheck check = authenticator.verify(challenge, key, auth.buffer(), auth.answerOffset());
                boolean ok = check == AuthCheck.VALID;
                send(b -> new AuthResultWriter()
                        .write(
                                b,
                                next(),
                                gatewayId,
                                ok ? AuthOutcome.ACCEPTED : AuthOutcome.REFUSED,
                                ok ? AuthReason.NONE : AuthReason.WRONG_ANSWER,
                                200,
                                ok ? 0 : 500,
                                ok ? "" : "wrong answer",
                                ok ? epoch : 0));
                if (ok) {
                    decoder.authenticated();
                }
            }
            case VOLUMES -> {
                VolumesReader reader = new VolumesReader().wrap(decoder);
                List<Volume> volumes = new ArrayList<>();
                for (int i = 0; i < reader.volumeCount(); i++) {
                    volumes.add(new Volume(
                            reader.volumeId(i), reader.volumeName(i), reader.volumeCapacity(i), reader.volumeFlags(i)));
                }
                volumeLists.add(volumes);
                int[] ids = volumes.stream()
                        .mapToInt(v -> assignIds.applyAsInt(v.id()))
                        .toArray();
                send(b -> new VolumeIdsWriter().write(b, next(), gatewayId, ids, ids.length));
                sessions.incrementAndGet();
                inSession = true;
            }
            case STATS -> {
                StatsReader stats = new StatsReader().wrap(decoder);
                List<VolumeReport> volumes = new ArrayList<>();
                for (int i = 0; i < stats.volumeCount(); i++) {
                    VolumeStatsFlyweight v = stats.volume(i);
                    long latencies = 0;
                    for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                        latencies += v.latencyBucket(IoDirection.READ, b) + v.latencyBucket(IoDirection.WRITE, b);
                    }
                    volumes.add(new VolumeReport(
                            v.volumeId(),
                            v.ops(IoDirection.READ),
                            v.ops(IoDirection.WRITE),
                            v.bytes(IoDirection.READ),
                            v.bytes(IoDirection.WRITE),
                            latencies,
                            v.throttleVersion(),
                            v.capacityBytes()));
                }
                reports.add(new Report(stats.reportSequence(), stats.pollSequence(), volumes));
            }
            case THROTTLE_ACK -> {
                ThrottleAckReader ack = new ThrottleAckReader().wrap(decoder);
                for (int i = 0; i < ack.volumeCount(); i++) {
                    acks.add(new Ack(ack.commandId(), ack.volumeId(i), ack.status(i), ack.versionInForce(i)));
                }
            }
            case HEARTBEAT -> {
                heartbeats.incrementAndGet();
                if (!silent) {
                    send(b -> new HeartbeatWriter().write(b, next(), gatewayId, System.currentTimeMillis(), 0));
                }
            }
            case EVENT -> {
                new EventReader().wrap(decoder);
                events.incrementAndGet();
            }
            default -> throw new IOException("unexpected " + decoder.frameType());
        }
    }

    private long next() {
        return sentSequence++;
    }

    private synchronized void send(Consumer<ByteBuffer> writer) throws IOException {
        Socket s = connection;
        if (s == null) {
            throw new IOException("no gateway connected");
        }
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        writer.accept(buffer);
        OutputStream out = s.getOutputStream();
        out.write(buffer.array(), 0, buffer.position());
        out.flush();
    }

    /** Sends a POLL; returns its sequence. */
    long poll() throws IOException {
        long sequence = ++pollSequence;
        send(b -> new PollWriter().write(b, next(), gatewayId, sequence, System.currentTimeMillis()));
        return sequence;
    }

    /** Sends a THROTTLE_SET of one volume with a total IOPS limit, stamped with this monitor's epoch. */
    void throttle(long commandId, int volumeId, long version, long iops) throws IOException {
        throttle(commandId, volumeId, version, iops, epoch);
    }

    /** The same, stamped with {@code setEpoch}. */
    void throttle(long commandId, int volumeId, long version, long iops, long setEpoch) throws IOException {
        send(b -> {
            ThrottleSetWriter set = new ThrottleSetWriter();
            set.begin(b, next(), gatewayId, commandId, 1);
            set.epoch(setEpoch);
            ThrottleParamsFlyweight params = set.volume(0);
            params.volumeId(volumeId).version(version).iopsLimit(iops).weight(2);
            set.commit();
        });
    }

    /** Stops answering heartbeats: a hung monitor that keeps its connections open. */
    void silent(boolean value) {
        silent = value;
    }

    /** Drops the current connection, as a monitor crash would. */
    void dropConnection() throws IOException {
        Socket s = connection;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        server.close();
        dropConnection();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
