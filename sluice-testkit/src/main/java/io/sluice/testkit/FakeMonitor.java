package io.sluice.testkit;

import io.sluice.protocol.FrameError;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.StandbyWriter;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleAckReader;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.VolumeStatsFlyweight;
import io.sluice.protocol.VolumesReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import java.util.function.LongFunction;

/**
 * A stand-in for the monitor daemon, for the tests of what talks to one (the gateway's link, the simulator), which
 * cannot depend on sluice-monitor: one thread, one selector, real sockets on loopback and the real frames
 * (sluice-protocol's decoder, readers, writers and {@link Authenticator}). It does the handshake (accepting a gateway
 * whose answer matches its key, pending those listed as unapproved, refusing the rest), answers heartbeats, and polls
 * or sends throttle sets when a test asks. What it received is kept per gateway in a {@link Seen} and, in order, in
 * {@link #volumeLists}, {@link #reports} and {@link #acks}; all of it is readable from the test's thread.
 *
 * <p>Threads: the selector thread ({@code fake-monitor}) alone touches the connections; a test's calls that send
 * ({@link #pollAll}, {@link #throttle}, {@link #dropAll}...) queue a command for it and return, in order.
 */
public final class FakeMonitor implements AutoCloseable {
    /** The poll interval {@link #forSecret} monitors say in AUTH_RESULT ACCEPTED. */
    private static final int POLL_INTERVAL_MILLIS = 1000;

    /** A volume as VOLUMES described it. */
    public record Volume(int id, String name, long capacity, int flags) {}

    /** One volume of a STATS. */
    public record VolumeReport(
            int volumeId,
            long readOps,
            long writeOps,
            long readBytes,
            long writeBytes,
            long latencyCount,
            long throttleVersion,
            long capacity) {}

    /** One STATS frame. */
    public record Report(long reportSequence, long pollSequence, List<VolumeReport> volumes) {}

    /** One volume of a THROTTLE_ACK. */
    public record Ack(long commandId, int volumeId, ThrottleAckStatus status, long versionInForce) {}

    /** Writes a frame (or any bytes a test likes) in answer to HELLO, given the frame's sequence and the gateway id. */
    public interface HelloAnswer {
        void write(ByteBuffer buffer, long sequence, long gatewayId);
    }

    /** What the monitor saw of one gateway, over all its connections. */
    public static final class Seen {
        public final AtomicInteger connections = new AtomicInteger();
        public final AtomicInteger accepted = new AtomicInteger();
        public final AtomicInteger refused = new AtomicInteger();
        public final AtomicInteger pending = new AtomicInteger();
        public final AtomicInteger stats = new AtomicInteger();
        public final AtomicInteger acks = new AtomicInteger();
        public final AtomicInteger heartbeats = new AtomicInteger();
        public final AtomicInteger events = new AtomicInteger();
        public final AtomicInteger reportSequenceBreaks = new AtomicInteger();
        public final AtomicLong lastReportSequence = new AtomicLong();
        /** Read + write ops of each volume in the last STATS, by volume id. */
        public final Map<Integer, Long> lastOps = new ConcurrentHashMap<>();
        /** Read + write ops per second of each volume in the last STATS, by volume id. */
        public final Map<Integer, Double> lastRate = new ConcurrentHashMap<>();

        public final Map<Integer, Long> lastThrottledNanos = new ConcurrentHashMap<>();
        public final Map<Integer, Long> lastThrottleVersion = new ConcurrentHashMap<>();
        public final Map<Long, List<ThrottleAckStatus>> acksByCommand = new ConcurrentHashMap<>();
        public final Map<FrameError, AtomicInteger> decodeErrors = new ConcurrentHashMap<>();
        public final AtomicLong slowestAnswerMillis = new AtomicLong();
        public volatile byte[] enrollmentToken;
        public volatile int volumeCount;
    }

    /** Sessions opened (VOLUME_IDS sent), HELLOs, HEARTBEATs and EVENTs received, over every gateway. */
    public final AtomicInteger sessions = new AtomicInteger();

    public final AtomicInteger hellos = new AtomicInteger();
    public final AtomicInteger heartbeats = new AtomicInteger();
    public final AtomicInteger events = new AtomicInteger();
    /** The volumes of each VOLUMES received, in order. */
    public final List<List<Volume>> volumeLists = new CopyOnWriteArrayList<>();
    /** Each STATS received, in order. */
    public final List<Report> reports = new CopyOnWriteArrayList<>();
    /** Each volume of each THROTTLE_ACK received, in order. */
    public final List<Ack> acks = new CopyOnWriteArrayList<>();

    // What the loop answers with: set by the test's thread, read by the loop's.
    final LongFunction<byte[]> keys;
    final int pollIntervalMillis;
    final int retryAfterMillis;
    final Set<Long> unapproved = ConcurrentHashMap.newKeySet();
    volatile int forgedRetryAfter;
    volatile boolean silent;
    volatile long epoch;
    volatile HelloAnswer helloAnswer;
    volatile IntUnaryOperator assignIds = proposed -> proposed;

    // What the loop saw, beyond the public counters.
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger inSession = new AtomicInteger();
    volatile long gatewayId;
    private final Map<Long, Seen> seen = new ConcurrentHashMap<>();
    private final Map<Long, Long> pollSentAt = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> answersByPoll = new ConcurrentHashMap<>();
    private final AtomicLong pollSequence = new AtomicLong();
    private final AtomicLong commandIds = new AtomicLong();

    private final FakeMonitorLoop loop;

    private FakeMonitor(LongFunction<byte[]> keys, int port, int pollIntervalMillis, int retryAfterMillis)
            throws IOException {
        this.keys = keys;
        this.pollIntervalMillis = pollIntervalMillis;
        this.retryAfterMillis = retryAfterMillis;
        this.loop = new FakeMonitorLoop(this, port);
    }

    /**
     * A monitor of a deployment with {@code secret}: a gateway's key is derived from it and the gateway's id, as the
     * real monitor's is; PENDING and REFUSED carry {@code retryAfterMillis}. It listens on a free loopback port.
     */
    public static FakeMonitor forSecret(byte[] secret, int retryAfterMillis) throws IOException {
        return new FakeMonitor(id -> GatewayKeys.derive(secret, id), 0, POLL_INTERVAL_MILLIS, retryAfterMillis);
    }

    /**
     * A monitor that takes every gateway's answer to {@code key}, on loopback {@code port} (0: a free one), polling
     * every 200 ms as far as its gateways know (their silence limit follows from it); refusals say retry after 500 ms.
     */
    public static FakeMonitor forKey(byte[] key, int port) throws IOException {
        return new FakeMonitor(id -> key, port, 200, 500);
    }

    /** A standby's answer to HELLO naming {@code active} ({@code HOST:PORT}), or none known for null. */
    public static HelloAnswer standbyOf(String active) {
        return (b, sequence, gateway) -> new StandbyWriter()
                .write(b, sequence, gateway, active == null ? 100 : 0, StandbyWriter.addressBytes(active));
    }

    /** The loopback address it listens on. */
    public InetSocketAddress address() {
        return loop.address;
    }

    public int port() {
        return loop.address.getPort();
    }

    /** Sets the fencing epoch said in AUTH_RESULT ACCEPTED from now on and stamped on throttle sets. */
    public FakeMonitor atEpoch(long value) {
        epoch = value;
        return this;
    }

    /**
     * From now on, HELLO is answered with what {@code answer} writes (a standby's STANDBY, or anything) instead of
     * CHALLENGE, and the connection closed; null for CHALLENGE again.
     */
    public void answerHelloWith(HelloAnswer answer) {
        helloAnswer = answer;
    }

    /** From now on, VOLUME_IDS assigns each volume this id of the one its gateway proposed (at first: the proposal). */
    public void assignIds(IntUnaryOperator assign) {
        assignIds = assign;
    }

    /** Gateways with this id are answered PENDING. */
    public void unapprove(long gatewayId) {
        unapproved.add(gatewayId);
    }

    public void approve(long gatewayId) {
        unapproved.remove(gatewayId);
    }

    /** From now on, PENDING and REFUSED carry this raw retry-after, as a forger on the path could write it. */
    public void forgeRetryAfter(int millis) {
        forgedRetryAfter = millis;
    }

    /** Stops (or resumes) answering heartbeats: a hung monitor that keeps its connections open. */
    public void silent(boolean value) {
        silent = value;
    }

    /** The gateway id of the last HELLO, 0 before any. */
    public long gatewayId() {
        return gatewayId;
    }

    /** Whether a gateway is in session now (its VOLUME_IDS sent, its connection open). */
    public boolean inSession() {
        return inSession.get() > 0;
    }

    public Seen seen(long gatewayId) {
        return seen.computeIfAbsent(gatewayId, id -> new Seen());
    }

    public Collection<Seen> allSeen() {
        return seen.values();
    }

    /** Connections open now, in session or not. */
    public int openConnections() {
        return open.get();
    }

    /** STATS received for poll {@code sequence}. */
    public int answers(long sequence) {
        AtomicInteger count = answersByPoll.get(sequence);
        return count == null ? 0 : count.get();
    }

    /** Sends POLL to every gateway in session; returns the poll sequence (1, 2, ...). */
    public long pollAll() {
        long sequence = pollSequence.incrementAndGet();
        loop.run(() -> {
            pollSentAt.put(sequence, System.currentTimeMillis());
            loop.inSession(0, connection -> loop.poll(connection, sequence));
        });
        return sequence;
    }

    /** Sends every gateway in session one THROTTLE_SET for all its volumes; returns the command id. */
    public long throttleAll(long version, long iopsLimit) {
        long commandId = commandIds.incrementAndGet();
        long at = epoch;
        loop.run(() -> loop.inSession(0, c -> loop.throttleSet(c, commandId, c.volumeIds, version, iopsLimit, 0, at)));
        return commandId;
    }

    /** Sends one gateway a THROTTLE_SET for the given volume ids (known or not); returns the command id. */
    public long throttle(long gatewayId, long version, long iopsLimit, int... volumeIds) {
        long commandId = commandIds.incrementAndGet();
        long at = epoch;
        loop.run(() ->
                loop.inSession(gatewayId, c -> loop.throttleSet(c, commandId, volumeIds, version, iopsLimit, 0, at)));
        return commandId;
    }

    /**
     * Sends every gateway in session command {@code commandId}: one volume's total IOPS limit (weight 2) at
     * {@code version}, stamped with this monitor's epoch.
     */
    public void throttleVolume(long commandId, int volumeId, long version, long iops) {
        throttleVolume(commandId, volumeId, version, iops, epoch);
    }

    /** The same, stamped with {@code setEpoch}. */
    public void throttleVolume(long commandId, int volumeId, long version, long iops, long setEpoch) {
        int[] volume = {volumeId};
        loop.run(() -> loop.inSession(0, c -> loop.throttleSet(c, commandId, volume, version, iops, 2, setEpoch)));
    }

    /** Closes every gateway connection, as a monitor crash or restart would. */
    public void dropAll() {
        loop.run(loop::closeAll);
    }

    /** Records a VOLUMES; returns the ids to assign, by position. */
    int[] recordVolumes(VolumesReader reader) {
        List<Volume> volumes = new ArrayList<>();
        IntUnaryOperator assign = assignIds;
        int[] ids = new int[reader.volumeCount()];
        for (int i = 0; i < ids.length; i++) {
            volumes.add(new Volume(
                    reader.volumeId(i), reader.volumeName(i), reader.volumeCapacity(i), reader.volumeFlags(i)));
            ids[i] = assign.applyAsInt(reader.volumeId(i));
        }
        volumeLists.add(volumes);
        return ids;
    }

    void recordStats(StatsReader stats, long gatewayId) {
        Seen gateway = seen(gatewayId);
        gateway.stats.incrementAndGet();
        long previous = gateway.lastReportSequence.getAndSet(stats.reportSequence());
        if (stats.reportSequence() != previous + 1) {
            gateway.reportSequenceBreaks.incrementAndGet();
        }
        List<VolumeReport> volumes = new ArrayList<>();
        for (int i = 0; i < stats.volumeCount(); i++) {
            VolumeStatsFlyweight volume = stats.volume(i);
            long reads = volume.ops(IoDirection.READ);
            long writes = volume.ops(IoDirection.WRITE);
            gateway.lastOps.put(volume.volumeId(), reads + writes);
            if (stats.intervalMillis() > 0) {
                gateway.lastRate.put(volume.volumeId(), (reads + writes) * 1000.0 / stats.intervalMillis());
            }
            gateway.lastThrottledNanos.put(
                    volume.volumeId(),
                    volume.throttledNanos(IoDirection.READ) + volume.throttledNanos(IoDirection.WRITE));
            gateway.lastThrottleVersion.put(volume.volumeId(), volume.throttleVersion());
            long latencies = 0;
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                latencies += volume.latencyBucket(IoDirection.READ, b) + volume.latencyBucket(IoDirection.WRITE, b);
            }
            volumes.add(new VolumeReport(
                    volume.volumeId(),
                    reads,
                    writes,
                    volume.bytes(IoDirection.READ),
                    volume.bytes(IoDirection.WRITE),
                    latencies,
                    volume.throttleVersion(),
                    volume.capacityBytes()));
        }
        reports.add(new Report(stats.reportSequence(), stats.pollSequence(), volumes));
        answersByPoll
                .computeIfAbsent(stats.pollSequence(), s -> new AtomicInteger())
                .incrementAndGet();
        Long sentAt = pollSentAt.get(stats.pollSequence());
        if (sentAt != null) {
            gateway.slowestAnswerMillis.accumulateAndGet(System.currentTimeMillis() - sentAt, Math::max);
        }
    }

    void recordAck(ThrottleAckReader ack, long gatewayId) {
        Seen gateway = seen(gatewayId);
        List<ThrottleAckStatus> statuses = new ArrayList<>();
        List<Ack> volumes = new ArrayList<>();
        for (int i = 0; i < ack.volumeCount(); i++) {
            statuses.add(ack.status(i));
            volumes.add(new Ack(ack.commandId(), ack.volumeId(i), ack.status(i), ack.versionInForce(i)));
        }
        acks.addAll(volumes); // one copy of the copy-on-write list per frame, however many volumes it acknowledges
        gateway.acksByCommand.put(ack.commandId(), statuses);
        gateway.acks.incrementAndGet();
    }

    @Override
    public void close() throws IOException {
        loop.close();
    }
}
