package io.sluice.sim;

import io.sluice.pki.TlsChannel;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthResultReader;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EpochFence;
import io.sluice.protocol.EventDescriptor;
import io.sluice.protocol.EventKind;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.HeartbeatDescriptor;
import io.sluice.protocol.HelloDescriptor;
import io.sluice.protocol.MonitorRotation;
import io.sluice.protocol.Peer;
import io.sluice.protocol.StandbyReader;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.ThrottleAckDescriptor;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleAckWriter;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumeIdsReader;
import io.sluice.protocol.VolumesDescriptor;
import io.sluice.protocol.VolumesWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulated gateway: its connection to the monitor, its session (SESSION.md, frame by frame), its volumes and its
 * fault. Driven by its {@link SimLoop}, on the loop's thread only: {@link #onReady} when its socket is ready,
 * {@link #onTimer} when its {@link #deadline()} has come.
 *
 * <p>Everything a connection needs is allocated once, with the gateway: the decoder, an output buffer with room for a
 * STATS report, a THROTTLE_ACK for every volume and a few small frames, and the queue of late answers. Answering a POLL
 * or a THROTTLE_SET writes in place into the output buffer and allocates nothing. If the monitor stops reading and the
 * buffer fills, replies are dropped and counted ({@link SimCounter#OUTPUT_FULL}), as a gateway with bounded memory
 * would have to.
 *
 * <p>Like a real gateway it tries its monitors in turn and follows a standby's STANDBY to the active one
 * ({@link MonitorRotation}), and it refuses a session or a THROTTLE_SET from an older fencing epoch than one it has
 * seen ({@link EpochFence}): the same code as sluice-gateway's link. A redirect names an address that is looked up when
 * dialled, on the loop's thread: name the active by IP address where many gateways run.
 */
final class SimulatedGateway {
    /** Everything the synthetic volumes accept; see {@link SyntheticVolume} for what shapes their numbers. */
    static final long CAPABILITIES = Capabilities.SPLIT_READ_WRITE
            | Capabilities.BURST
            | Capabilities.SIZE_NORMALIZATION
            | Capabilities.RESERVATION
            | Capabilities.WEIGHT
            | Capabilities.LATENCY_TARGET;
    /** Late answers a slow gateway keeps; with a delay of a few poll intervals, a few are outstanding. */
    private static final int LATE_ANSWERS = 16;

    private static final int SMALL_FRAMES_ROOM = 2048;
    private static final String EVENT_MESSAGE = "backend past its warning threshold";

    enum State {
        /** Not connected; connects at the deadline. */
        WAITING,
        CONNECTING,
        /** Connected; the TLS handshake is under way. */
        TLS_HANDSHAKE,
        HELLO_SENT,
        AUTH_SENT,
        /** Accepted; VOLUMES sent, waiting for their ids. */
        VOLUMES_SENT,
        IN_SESSION,
        /** Sent a corrupt frame; waits for the monitor to close. */
        CORRUPTED,
        /** Closed for good. */
        STOPPED
    }

    private final SimLoop loop;
    private final int index;
    /** The address it connects from, or null for the kernel's choice. */
    private final InetSocketAddress source;

    private final long gatewayId;
    private final FaultMode fault;
    private final byte[] key;
    private final byte[] enrollmentToken;
    private final SyntheticVolume[] volumes;
    private final Map<Integer, SyntheticVolume> volumesById = new HashMap<>();
    private final String name;
    private final SimTimings timings;
    private final SplittableRandom random;
    private final FrameDecoder decoder;
    private final ByteBuffer out;
    private final MonitorRotation rotation;
    private final EpochFence fence = new EpochFence();
    /** The fencing epoch of the last THROTTLE_SET acknowledged for this gateway (not refused stale); -1 before one. */
    private volatile long ackedEpoch = -1;
    /** Sets acknowledged (not refused) whose epoch was older than one acknowledged before: what the fence prevents. */
    private volatile long olderEpochAcked;

    private final StandbyReader standbyReader = new StandbyReader();
    /** The monitor of the current connection, as dialled (resolved). */
    private InetSocketAddress dialled;

    private final long[] latePolls = new long[LATE_ANSWERS];
    private final long[] lateDue = new long[LATE_ANSWERS];
    private int lateHead;
    private int lateCount;

    private State state = State.WAITING;
    private SocketChannel channel;
    /** TLS over {@link #channel} when the simulator has a CA, else null. */
    private TlsChannel tls;
    /** What frames go through: {@link #tls} or the channel. */
    private ByteChannel link;

    private SelectionKey selectionKey;
    private long sequence;
    /** The last report sequence sent: counts over the gateway's life, across connections. */
    private long reportSequence;

    private long reportedAtMillis;
    /**
     * WAITING: when to connect. Handshake, CORRUPTED: when to give up. IN_SESSION: a DISCONNECT gateway's drop time.
     */
    private long stateDeadline;

    private long deadline;
    private long lastSentMillis;
    private long heartbeatEcho;
    private int failuresInARow;
    private long sessions;
    private int pollsThisSession;
    private boolean connectedBefore;
    private boolean shutdownAfterFlush;
    /**
     * Holds one of the loop's places for connects in flight: from the connect until the session opens or the attempt
     * fails.
     */
    private boolean connectPlace;

    SimulatedGateway(
            SimLoop loop,
            int index,
            long gatewayId,
            FaultMode fault,
            byte[] key,
            byte[] enrollmentToken,
            SyntheticVolume[] volumes,
            long firstConnectMillis) {
        this.loop = loop;
        this.index = index;
        this.source = loop.context().sourceAddress(index);
        this.gatewayId = gatewayId;
        this.fault = fault;
        this.key = key;
        this.enrollmentToken = enrollmentToken;
        this.volumes = volumes;
        this.rotation = new MonitorRotation(loop.context().monitors());
        this.name = "sim-gateway-" + gatewayId;
        this.timings = loop.context().timings();
        this.random = new SplittableRandom(loop.context().seed() ^ gatewayId * 0x9E3779B97F4A7C15L);
        // Accepts what a monitor may send (a THROTTLE_SET for thousands of volumes) but starts small: most
        // frames from the monitor are POLLs of 40 bytes.
        this.decoder =
                FrameDecoder.forConnection(Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, gatewayId);
        int hello = HelloDescriptor.frameLength(HelloDescriptor.MAX_NAME_LENGTH)
                + VolumesDescriptor.frameLength(volumes.length);
        int session = StatsDescriptor.frameLength(volumes.length) + ThrottleAckDescriptor.frameLength(volumes.length);
        this.out = ByteBuffer.allocate(Math.max(hello, session) + SMALL_FRAMES_ROOM);
        this.stateDeadline = firstConnectMillis;
        this.reportedAtMillis = firstConnectMillis;
        this.deadline = firstConnectMillis;
    }

    long gatewayId() {
        return gatewayId;
    }

    State state() {
        return state;
    }

    /** When {@link #onTimer} next has something to do; {@link Long#MAX_VALUE} for never. */
    long deadline() {
        return deadline;
    }

    void onTimer(long now) {
        switch (state) {
            case WAITING -> {
                if (now >= stateDeadline) {
                    if (connectPlace || loop.takeConnectPlace(this)) {
                        connectPlace = true;
                        connect(now);
                    } else {
                        // In the loop's queue: it hands this gateway a place when a connect in flight ends.
                        stateDeadline = Long.MAX_VALUE;
                    }
                }
            }
            case CONNECTING, TLS_HANDSHAKE, HELLO_SENT, AUTH_SENT, VOLUMES_SENT, CORRUPTED -> {
                if (now >= stateDeadline) {
                    count(state == State.CONNECTING ? SimCounter.CONNECT_FAILURES : SimCounter.HANDSHAKE_TIMEOUTS);
                    fail(now);
                }
            }
            case IN_SESSION -> onSessionTimer(now);
            case STOPPED -> {}
        }
        updateDeadline();
    }

    void onReady(SelectionKey key, long now) {
        if (!key.isValid()) {
            return;
        }
        if (key.isConnectable()) {
            finishConnect(now);
        } else if (state == State.TLS_HANDSHAKE) {
            stepTls(now);
        } else {
            if (key.isWritable()) {
                flush(now);
            }
            if (key.isValid() && key.isReadable()) {
                read(now);
            }
        }
        updateDeadline();
    }

    /**
     * Its turn to connect, with a place the loop hands over from a connect that ended; connects at the next timer scan.
     * False when it has stopped meanwhile: the place goes to the next in line.
     */
    boolean admitConnect() {
        if (state == State.STOPPED) {
            return false;
        }
        connectPlace = true;
        stateDeadline = 0;
        updateDeadline();
        return true;
    }

    /** The connect attempt ended (session open, or failed): its place goes to the next gateway waiting for one. */
    private void leaveConnectPlace() {
        if (connectPlace) {
            connectPlace = false;
            loop.giveBackConnectPlace();
        }
    }

    /** Closes for good: the simulator is stopping. */
    void stop() {
        if (state == State.IN_SESSION || state == State.CORRUPTED) {
            count(SimCounter.SESSIONS_ENDED);
        }
        closeChannel();
        state = State.STOPPED;
        deadline = Long.MAX_VALUE;
        leaveConnectPlace();
    }

    private void connect(long now) {
        count(SimCounter.CONNECT_ATTEMPTS);
        state = State.CONNECTING;
        stateDeadline = now + timings.handshakeTimeoutMillis();
        try {
            channel = SocketChannel.open();
            link = channel;
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (source != null) {
                channel.bind(source);
            }
            selectionKey = channel.register(loop.selector(), 0, this);
            dialled = rotation.current();
            if (dialled.isUnresolved()) {
                dialled = new InetSocketAddress(dialled.getHostString(), dialled.getPort());
            }
            if (channel.connect(dialled)) {
                connected(now);
            } else {
                selectionKey.interestOps(SelectionKey.OP_CONNECT);
            }
        } catch (IOException e) {
            count(SimCounter.CONNECT_FAILURES);
            fail(now);
        }
    }

    private void finishConnect(long now) {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            count(SimCounter.CONNECT_FAILURES);
            fail(now);
            return;
        }
        connected(now);
    }

    private void connected(long now) {
        count(SimCounter.CONNECTS);
        if (connectedBefore) {
            count(SimCounter.RECONNECTS);
        }
        connectedBefore = true;
        SimTls simTls = loop.context().tls();
        if (simTls == null) {
            sendHello(now);
            return;
        }
        tls = new TlsChannel(channel, simTls.engine(gatewayId, dialled), null);
        link = tls;
        state = State.TLS_HANDSHAKE;
        stepTls(now);
    }

    private void stepTls(long now) {
        TlsChannel.Handshake step;
        try {
            step = tls.handshake();
        } catch (IOException e) {
            count(SimCounter.CONNECTIONS_LOST);
            fail(now);
            return;
        }
        switch (step) {
            case NEED_READ -> selectionKey.interestOps(SelectionKey.OP_READ);
            case NEED_WRITE -> selectionKey.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            case DONE -> {
                sendHello(now);
                if (channel != null && tls.hasBufferedInput()) {
                    read(now);
                }
            }
        }
    }

    private void sendHello(long now) {
        decoder.reset();
        out.clear();
        sequence = 1;
        shutdownAfterFlush = false;
        loop.helloWriter.write(out, sequence++, gatewayId, CAPABILITIES, volumes.length, name);
        state = State.HELLO_SENT;
        selectionKey.interestOps(SelectionKey.OP_READ);
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
            count(SimCounter.CONNECTIONS_LOST);
            fail(now);
            return -1;
        }
        DecodeStatus status = DecodeStatus.NEED_MORE;
        while (channel != null && (status = decoder.next()) == DecodeStatus.FRAME) {
            onFrame(now);
        }
        if (channel == null) {
            return -1;
        }
        if (status == DecodeStatus.END_OF_STREAM) {
            count(SimCounter.CONNECTIONS_LOST);
            fail(now);
        } else if (status == DecodeStatus.ERROR) {
            count(SimCounter.PROTOCOL_ERRORS);
            fail(now);
        }
        return channel == null ? -1 : read;
    }

    private void onFrame(long now) {
        switch (decoder.frameType()) {
            case CHALLENGE -> {
                if (state != State.HELLO_SENT) {
                    protocolError(now);
                    return;
                }
                answerChallenge(now);
            }
            case AUTH_RESULT -> {
                if (state != State.AUTH_SENT) {
                    protocolError(now);
                    return;
                }
                onAuthResult(now);
            }
            case STANDBY -> {
                if (state != State.HELLO_SENT) {
                    protocolError(now);
                    return;
                }
                onStandby(now);
            }
            case VOLUME_IDS -> {
                if (state != State.VOLUMES_SENT) {
                    protocolError(now);
                    return;
                }
                onVolumeIds(now);
            }
            case POLL -> {
                if (state != State.IN_SESSION && state != State.CORRUPTED) {
                    protocolError(now);
                    return;
                }
                count(SimCounter.POLLS_RECEIVED);
                if (state == State.IN_SESSION) {
                    onPoll(loop.pollReader.wrap(decoder).pollSequence(), now);
                }
            }
            case THROTTLE_SET -> {
                if (state != State.IN_SESSION && state != State.CORRUPTED) {
                    protocolError(now);
                    return;
                }
                count(SimCounter.THROTTLE_SETS_RECEIVED);
                if (state == State.IN_SESSION && fault != FaultMode.SILENT) {
                    onThrottleSet(now);
                }
            }
            case HEARTBEAT -> {
                count(SimCounter.HEARTBEATS_RECEIVED);
                heartbeatEcho = loop.heartbeatReader.wrap(decoder).sentAtMillis();
            }
            // HELLO, AUTH, STATS, THROTTLE_ACK, EVENT: the decoder refuses them as WRONG_SENDER before this.
            default -> protocolError(now);
        }
    }

    private void answerChallenge(long now) {
        byte[] nonce = loop.challengeReader.wrap(decoder).nonce();
        byte[] answer = Authenticator.answer(key, gatewayId, nonce);
        loop.authWriter.write(out, sequence++, gatewayId, answer, enrollmentToken);
        state = State.AUTH_SENT;
        flush(now);
    }

    private void onAuthResult(long now) {
        AuthResultReader result = loop.authResultReader.wrap(decoder);
        switch (result.outcome()) {
            case ACCEPTED -> {
                if (!fence.admit(result.epoch())) {
                    // Its server lost the lease: on to the next monitor.
                    count(SimCounter.STALE_EPOCH_REFUSALS);
                    fail(now);
                    return;
                }
                decoder.authenticated();
                sendVolumes(now);
            }
            case PENDING, REFUSED -> {
                count(result.outcome() == AuthOutcome.PENDING ? SimCounter.AUTH_PENDING : SimCounter.AUTH_REFUSED);
                // Clamped by the reader: a forged frame cannot keep the gateway away for more than a few minutes.
                int retryAfter = result.retryAfterMillis();
                if (retryAfter <= 0) {
                    count(SimCounter.GAVE_UP);
                    stop();
                    return;
                }
                long delay = Math.max(retryAfter, backoff());
                failuresInARow++;
                disconnect(now + delay);
            }
        }
    }

    /**
     * A standby's answer: to the active it names (at once the first time in a row), or, none known, the next monitor.
     */
    private void onStandby(long now) {
        count(SimCounter.STANDBY_REFERRALS);
        StandbyReader standby = standbyReader.wrap(decoder);
        if (standby.namesActive()) {
            boolean atOnce = rotation.redirect(standby.activeAddress());
            long delay = atOnce ? 0 : backoff();
            if (!atOnce) {
                failuresInARow++;
            }
            disconnect(now + delay);
            return;
        }
        rotation.failed();
        long delay = Math.max(standby.retryAfterMillis(), backoff());
        failuresInARow++;
        disconnect(now + delay);
    }

    private void sendVolumes(long now) {
        VolumesWriter writer = loop.volumesWriter;
        writer.begin(out, sequence++, gatewayId, volumes.length);
        for (int i = 0; i < volumes.length; i++) {
            SyntheticVolume volume = volumes[i];
            writer.volume(
                    i,
                    volume.volumeId(),
                    loop.context().volumeIds() == VolumeIds.SHARED ? VolumeDescriptor.FLAG_SHARED : 0,
                    volume.capacityBytes(),
                    volume.name());
        }
        writer.commit();
        state = State.VOLUMES_SENT;
        flush(now);
    }

    private void onVolumeIds(long now) {
        if (!adoptVolumeIds(loop.volumeIdsReader.wrap(decoder))) {
            protocolError(now);
            return;
        }
        // Counted as accepted once the session is open, so accepted less ended is the gateways in session.
        count(SimCounter.AUTH_ACCEPTED);
        state = State.IN_SESSION;
        rotation.opened();
        leaveConnectPlace();
        sessions++;
        failuresInARow = 0;
        pollsThisSession = 0;
        lastSentMillis = now;
        stateDeadline = fault == FaultMode.DISCONNECT ? now + jitter(timings.disconnectPeriodMillis()) : Long.MAX_VALUE;
        sendCapacityWarnings(now);
        flush(now);
    }

    private void onPoll(long pollSequence, long now) {
        switch (fault) {
            case SILENT -> {
                // Hung: the poll was counted, and that is all.
            }
            case SLOW -> {
                // A monitor polling much faster than the delay: the oldest late answer is given up.
                if (lateCount == LATE_ANSWERS) {
                    lateHead = (lateHead + 1) % LATE_ANSWERS;
                    lateCount--;
                }
                int tail = (lateHead + lateCount) % LATE_ANSWERS;
                latePolls[tail] = pollSequence;
                lateDue[tail] = now + timings.slowDelayMillis();
                lateCount++;
            }
            case MALFORMED -> {
                if (pollsThisSession >= timings.malformedAfterPolls()) {
                    sendCorruptFrame(now);
                } else {
                    answerPoll(pollSequence, now);
                }
            }
            default -> answerPoll(pollSequence, now);
        }
    }

    private void answerPoll(long pollSequence, long now) {
        if (!ensureRoom(StatsDescriptor.frameLength(volumes.length), now)) {
            return;
        }
        int interval = (int) Math.min(Integer.MAX_VALUE, Math.max(0, now - reportedAtMillis));
        StatsWriter stats = loop.statsWriter;
        int reported = 0;
        for (SyntheticVolume volume : volumes) {
            reported += volume.volumeId() == VolumeIdsDescriptor.REFUSED ? 0 : 1;
        }
        stats.begin(
                out,
                sequence++,
                gatewayId,
                false,
                reportSequence + 1,
                pollSequence,
                reportedAtMillis,
                interval,
                reported);
        // A volume the monitor refused (shared, not bound to this gateway) is left out, as a real gateway does.
        for (int i = 0, record = 0; i < volumes.length; i++) {
            if (volumes[i].volumeId() != VolumeIdsDescriptor.REFUSED) {
                volumes[i].report(stats.volume(record++), interval);
            }
        }
        stats.commit();
        reportSequence++;
        reportedAtMillis = now;
        pollsThisSession++;
        lastSentMillis = now;
        count(SimCounter.POLLS_ANSWERED);
        sendCapacityWarnings(now);
        flush(now);
    }

    private void onThrottleSet(long now) {
        ThrottleSetReader set = loop.throttleSetReader.wrap(decoder);
        int count = set.volumeCount();
        // Checked before anything is applied: a set that cannot be acknowledged is not applied either, and
        // the monitor, seeing no ack, sends it again.
        if (!ensureRoom(ThrottleAckDescriptor.frameLength(count), now)) {
            return;
        }
        ThrottleAckWriter ack = loop.throttleAckWriter;
        ack.begin(out, sequence++, gatewayId, set.commandId(), count);
        // A set from an older epoch than one seen comes from a server that lost its lease: every volume refused.
        boolean current = fence.admit(set.epoch());
        if (!current) {
            count(SimCounter.STALE_EPOCH_REFUSALS);
        } else {
            if (set.epoch() < ackedEpoch) {
                olderEpochAcked++;
            }
            ackedEpoch = set.epoch();
        }
        for (int i = 0; i < count; i++) {
            ThrottleParamsFlyweight params = set.volume(i);
            int volumeId = params.volumeId();
            SyntheticVolume volume = volumeById(volumeId);
            ThrottleAckStatus status = !current
                    ? ThrottleAckStatus.STALE_EPOCH
                    : volume == null ? ThrottleAckStatus.UNKNOWN_VOLUME : volume.apply(params);
            if (status == ThrottleAckStatus.APPLIED) {
                count(SimCounter.THROTTLE_VOLUMES_APPLIED);
            }
            ack.result(i, volumeId, status, volume == null ? 0 : volume.version());
        }
        ack.commit();
        lastSentMillis = now;
        count(SimCounter.THROTTLE_SETS_ACKED);
        flush(now);
    }

    /** The fencing epoch of the last throttle set this gateway acknowledged as current, -1 before one; any thread. */
    long ackedEpoch() {
        return ackedEpoch;
    }

    /** Throttle sets acknowledged as current although older than one acknowledged before (0 unless the fence fails). */
    long olderEpochAcked() {
        return olderEpochAcked;
    }

    private void onSessionTimer(long now) {
        while (lateCount > 0 && lateDue[lateHead] <= now && state == State.IN_SESSION) {
            long poll = latePolls[lateHead];
            lateHead = (lateHead + 1) % LATE_ANSWERS;
            lateCount--;
            answerPoll(poll, now);
        }
        if (state != State.IN_SESSION) {
            return;
        }
        if (fault == FaultMode.DISCONNECT && now >= stateDeadline) {
            count(SimCounter.DELIBERATE_DISCONNECTS);
            disconnect(now + timings.backoffMinMillis());
            return;
        }
        if (fault != FaultMode.SILENT
                && now - lastSentMillis >= timings.heartbeatIntervalMillis()
                && ensureRoom(HeartbeatDescriptor.FRAME_LENGTH, now)) {
            loop.heartbeatWriter.write(out, sequence++, gatewayId, now, heartbeatEcho);
            lastSentMillis = now;
            count(SimCounter.HEARTBEATS_SENT);
            flush(now);
        }
    }

    private void sendCorruptFrame(long now) {
        if (!ensureRoom(CorruptFrame.MAX_LENGTH, now)) {
            return;
        }
        CorruptFrame kind = CorruptFrame.forSession(index, sessions);
        kind.write(out, sequence, gatewayId, random);
        count(SimCounter.MALFORMED_SENT);
        state = State.CORRUPTED;
        stateDeadline = now + timings.handshakeTimeoutMillis();
        shutdownAfterFlush = kind.endsStream();
        flush(now);
    }

    private void sendCapacityWarnings(long now) {
        if (fault == FaultMode.SILENT) {
            return;
        }
        for (SyntheticVolume volume : volumes) {
            if (volume.takeCapacityWarning() && volume.volumeId() != VolumeIdsDescriptor.REFUSED) {
                if (!ensureRoom(EventDescriptor.frameLength(EVENT_MESSAGE.length()), now)) {
                    return;
                }
                loop.eventWriter.write(
                        out,
                        sequence++,
                        gatewayId,
                        EventKind.CAPACITY_WARNING,
                        now,
                        0,
                        volume.usedBytes(),
                        volume.volumeId(),
                        0,
                        volume.capacityBytes(),
                        volume.name(),
                        EVENT_MESSAGE);
                lastSentMillis = now;
                count(SimCounter.EVENTS_SENT);
            }
        }
    }

    /** True when {@code length} more bytes fit in the output buffer, flushing first if they do not yet. */
    private boolean ensureRoom(int length, long now) {
        if (out.remaining() < length) {
            flush(now);
        }
        if (channel != null && out.remaining() >= length) {
            return true;
        }
        if (channel != null) {
            count(SimCounter.OUTPUT_FULL);
        }
        return false;
    }

    /** Writes what the socket takes now; the rest waits for OP_WRITE. */
    private void flush(long now) {
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
            count(SimCounter.CONNECTIONS_LOST);
            fail(now);
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

    private void protocolError(long now) {
        count(SimCounter.PROTOCOL_ERRORS);
        fail(now);
    }

    /** Closes after a failure and retries, the next monitor, after a backoff that grows with each failure in a row. */
    private void fail(long now) {
        rotation.failed();
        long delay = backoff();
        failuresInARow++;
        disconnect(now + delay);
    }

    private void disconnect(long reconnectAt) {
        if (state == State.IN_SESSION || state == State.CORRUPTED) {
            count(SimCounter.SESSIONS_ENDED);
        }
        closeChannel();
        lateCount = 0;
        state = State.WAITING;
        leaveConnectPlace();
        stateDeadline = reconnectAt;
    }

    private void closeChannel() {
        if (channel == null) {
            return;
        }
        selectionKey.cancel();
        try {
            link.close();
        } catch (IOException ignored) {
            // Closing a socket that failed: nothing left to do with it.
        }
        channel = null;
        tls = null;
        link = null;
        selectionKey = null;
    }

    private long backoff() {
        int doublings = Math.min(failuresInARow, 20);
        long base = Math.min(timings.backoffMaxMillis(), timings.backoffMinMillis() << doublings);
        return jitter(base);
    }

    /** {@code millis} give or take 20%, so gateways that failed together do not all come back together. */
    private long jitter(long millis) {
        return Math.max(1, (long) (millis * (0.8 + 0.4 * random.nextDouble())));
    }

    private SyntheticVolume volumeById(int volumeId) {
        return volumesById.get(volumeId);
    }

    /** Takes the ids the monitor assigned, in VOLUMES' order; false if they do not match its volumes. */
    private boolean adoptVolumeIds(VolumeIdsReader result) {
        if (result.volumeCount() != volumes.length) {
            return false;
        }
        volumesById.clear();
        for (int i = 0; i < volumes.length; i++) {
            volumes[i].assignId(result.volumeId(i));
            if (result.volumeId(i) != VolumeIdsDescriptor.REFUSED) {
                volumesById.put(result.volumeId(i), volumes[i]);
            }
        }
        return true;
    }

    private void updateDeadline() {
        long next = switch (state) {
            case WAITING, CONNECTING, TLS_HANDSHAKE, HELLO_SENT, AUTH_SENT, VOLUMES_SENT, CORRUPTED -> stateDeadline;
            case IN_SESSION -> {
                long at = fault == FaultMode.DISCONNECT ? stateDeadline : Long.MAX_VALUE;
                if (fault != FaultMode.SILENT) {
                    at = Math.min(at, lastSentMillis + timings.heartbeatIntervalMillis());
                }
                yield lateCount > 0 ? Math.min(at, lateDue[lateHead]) : at;
            }
            case STOPPED -> Long.MAX_VALUE;
        };
        deadline = next;
        loop.schedule(next);
    }

    private void count(SimCounter counter) {
        loop.counters().increment(fault, counter);
    }
}
