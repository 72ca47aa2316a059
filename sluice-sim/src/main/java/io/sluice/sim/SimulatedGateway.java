package io.sluice.sim;

import io.sluice.protocol.Capabilities;
import io.sluice.protocol.GatewaySession;
import io.sluice.protocol.MonitorRotation;
import io.sluice.protocol.SessionEvent;
import java.nio.channels.SelectionKey;
import java.util.SplittableRandom;

/**
 * One simulated gateway: its connection to the monitor, its volumes and its fault. The session itself (SESSION.md,
 * frame by frame) is a {@link GatewaySession}, the same one sluice-gateway's link drives; this class keeps the timers,
 * the faults and the reconnects; its {@link SimConnection} keeps the non-blocking socket. Driven by its
 * {@link SimLoop}, on the loop's thread only: {@link #onReady} when its socket is ready, {@link #onTimer} when its
 * {@link #deadline()} has come.
 *
 * <p>Everything a connection needs is allocated once, with the gateway: the connection's decoder, an output buffer with
 * room for a STATS report, a THROTTLE_ACK for every volume and a few small frames, and the queue of late answers.
 * Answering a POLL or a THROTTLE_SET writes in place into the output buffer and allocates nothing.
 *
 * <p>Like a real gateway it tries its monitors in turn and follows a standby's STANDBY to the active one
 * ({@link MonitorRotation}), and it refuses a session or a THROTTLE_SET from an older fencing epoch than one it has
 * seen: its session does that. A redirect names an address that is looked up when dialled, on the loop's thread: name
 * the active by IP address where many gateways run.
 */
final class SimulatedGateway {
    enum State {
        /** Not connected; connects at the deadline. */
        WAITING,
        CONNECTING,
        /** Connected; the TLS handshake is under way. */
        TLS_HANDSHAKE,
        /** HELLO sent; the session's handshake is under way. */
        HANDSHAKE,
        IN_SESSION,
        /** Sent a corrupt frame; waits for the monitor to close. */
        CORRUPTED,
        /** Closed for good. */
        STOPPED
    }

    private final SimLoop loop;
    private final int index;

    private final long gatewayId;
    private final FaultMode fault;
    private final SimTimings timings;
    private final SplittableRandom random;
    private final SimBackoff backoff;
    private final SimConnection connection;
    private final GatewaySession session;
    private final FenceWatch fenceWatch = new FenceWatch();
    private final LateAnswers late = new LateAnswers();

    private State state = State.WAITING;
    /** WAITING: when to connect. Handshake, CORRUPTED: when to give up. IN_SESSION: a DISCONNECT gateway's drop. */
    private long stateDeadline;

    private long deadline;
    private long sessions;
    private int pollsThisSession;
    /** The session's EVENTs counted so far. */
    private long eventsCounted;

    private boolean connectedBefore;
    /** Holds one of the loop's places for connects in flight: from the connect until the session opens or fails. */
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
        this.gatewayId = gatewayId;
        this.fault = fault;
        this.timings = loop.context().timings();
        this.random = new SplittableRandom(loop.context().seed() ^ gatewayId * 0x9E3779B97F4A7C15L);
        this.backoff = new SimBackoff(timings, random);
        this.session = new GatewaySession(
                new GatewaySession.GatewayIdentity(
                        gatewayId, "sim-gateway-" + gatewayId, Capabilities.SLUICE_GATEWAY, key, enrollmentToken),
                timings.heartbeatIntervalMillis(),
                new MonitorRotation(loop.context().monitors()),
                new SimVolumes(volumes, loop, fault),
                loop.codec,
                firstConnectMillis);
        this.connection = new SimConnection(this, loop, loop.context().sourceAddress(index), volumes.length);
        this.stateDeadline = firstConnectMillis;
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
            case CONNECTING, TLS_HANDSHAKE, HANDSHAKE, CORRUPTED -> {
                if (now >= stateDeadline) {
                    lost(state == State.CONNECTING ? SimCounter.CONNECT_FAILURES : SimCounter.HANDSHAKE_TIMEOUTS, now);
                }
            }
            case IN_SESSION -> onSessionTimer(now);
            case STOPPED -> {}
        }
        updateDeadline();
    }

    void onReady(SelectionKey key, long now) {
        connection.onReady(key, now);
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
        connection.close();
        state = State.STOPPED;
        deadline = Long.MAX_VALUE;
        leaveConnectPlace();
    }

    private void connect(long now) {
        count(SimCounter.CONNECT_ATTEMPTS);
        state = State.CONNECTING;
        stateDeadline = now + timings.handshakeTimeoutMillis();
        if (!connection.open(session.monitor(), now)) {
            lost(SimCounter.CONNECT_FAILURES, now);
        }
    }

    /** The connection is up; TLS, if any, is to come. */
    void onConnected(boolean tls) {
        count(SimCounter.CONNECTS);
        if (connectedBefore) {
            count(SimCounter.RECONNECTS);
        }
        connectedBefore = true;
        state = tls ? State.TLS_HANDSHAKE : state;
    }

    /** Frames may flow: HELLO goes out. */
    void onReadyForFrames(long now) {
        state = State.HANDSHAKE;
        session.connected(now, connection, null);
    }

    /** The connection broke ({@code counter} says how): the next monitor, after the backoff. */
    void lost(SimCounter counter, long now) {
        count(counter);
        fail(now);
    }

    /** The connection decoded a whole frame. */
    void onFrame(long now) {
        SessionEvent event = session.onFrame(connection.decoder, now, connection);
        switch (event) {
            case CHALLENGE_ANSWERED, ACCEPTED -> connection.flush(now);
            case OPENED -> opened(now);
            case POLL -> {
                count(SimCounter.POLLS_RECEIVED);
                if (state == State.IN_SESSION) {
                    onPoll(session.pollSequence(connection.decoder), now);
                }
            }
            case THROTTLE_SET -> {
                count(SimCounter.THROTTLE_SETS_RECEIVED);
                if (state == State.IN_SESSION && fault != FaultMode.SILENT) {
                    onThrottleSet(now);
                }
            }
            case HEARTBEAT -> count(SimCounter.HEARTBEATS_RECEIVED);
            case STALE_EPOCH -> {
                // Its server lost the lease: on to the next monitor (the session moved the rotation).
                count(SimCounter.STALE_EPOCH_REFUSALS);
                retry(now, -1);
            }
            case PENDING, REFUSED -> {
                count(event == SessionEvent.PENDING ? SimCounter.AUTH_PENDING : SimCounter.AUTH_REFUSED);
                // Clamped by the reader: a forged frame cannot keep the gateway away for more than a few minutes.
                if (session.retryAfterMillis() <= 0) {
                    count(SimCounter.GAVE_UP);
                    stop();
                } else {
                    retry(now, session.retryAfterMillis());
                }
            }
            case STANDBY_REDIRECT, STANDBY_NO_ACTIVE -> {
                // To the active it names (at once the first time in a row), or, none known, the next monitor.
                count(SimCounter.STANDBY_REFERRALS);
                if (session.atOnce()) {
                    disconnect(now);
                } else {
                    retry(now, event == SessionEvent.STANDBY_NO_ACTIVE ? session.retryAfterMillis() : -1);
                }
            }
            // The sim never enrolls nor renews, so CERTIFICATE is as wrong as any frame out of place.
            case PROTOCOL_ERROR, CERTIFICATE -> lost(SimCounter.PROTOCOL_ERRORS, now);
        }
    }

    private void opened(long now) {
        // Counted as accepted once the session is open, so accepted less ended is the gateways in session.
        count(SimCounter.AUTH_ACCEPTED);
        state = State.IN_SESSION;
        leaveConnectPlace();
        sessions++;
        backoff.reset();
        pollsThisSession = 0;
        stateDeadline =
                fault == FaultMode.DISCONNECT ? now + backoff.jitter(timings.disconnectPeriodMillis()) : Long.MAX_VALUE;
        countEvents();
        connection.flush(now);
    }

    private void onPoll(long pollSequence, long now) {
        switch (fault) {
            case SILENT -> {
                // Hung: the poll was counted, and that is all.
            }
            case SLOW -> late.add(pollSequence, now + timings.slowDelayMillis());
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
        if (session.answerPoll(pollSequence, now, connection)) {
            pollsThisSession++;
            count(SimCounter.POLLS_ANSWERED);
            countEvents();
            connection.flush(now);
        }
    }

    private void onThrottleSet(long now) {
        GatewaySession.ThrottleAnswer answer = session.answerThrottleSet(now, connection);
        if (answer == GatewaySession.ThrottleAnswer.NO_ROOM) {
            return;
        }
        if (answer == GatewaySession.ThrottleAnswer.STALE_EPOCH) {
            count(SimCounter.STALE_EPOCH_REFUSALS);
        } else {
            fenceWatch.acked(session.offeredEpoch());
        }
        count(SimCounter.THROTTLE_SETS_ACKED);
        connection.flush(now);
    }

    /** What the fence let through; any thread. */
    FenceWatch fenceWatch() {
        return fenceWatch;
    }

    private void onSessionTimer(long now) {
        while (late.nextDue() <= now && state == State.IN_SESSION) {
            answerPoll(late.take(), now);
        }
        if (state != State.IN_SESSION) {
            return;
        }
        if (fault == FaultMode.DISCONNECT && now >= stateDeadline) {
            count(SimCounter.DELIBERATE_DISCONNECTS);
            disconnect(now + timings.backoffMinMillis());
            return;
        }
        if (fault != FaultMode.SILENT && session.heartbeatDue(now) && session.sendHeartbeat(now, connection)) {
            count(SimCounter.HEARTBEATS_SENT);
            connection.flush(now);
        }
    }

    private void sendCorruptFrame(long now) {
        if (connection.sendCorrupt(CorruptFrame.forSession(index, sessions), session.nextSequence(), random, now)) {
            count(SimCounter.MALFORMED_SENT);
            state = State.CORRUPTED;
            stateDeadline = now + timings.handshakeTimeoutMillis();
        }
    }

    /** Counts the EVENTs the session sent since last asked. */
    private void countEvents() {
        for (; eventsCounted < session.eventsSent(); eventsCounted++) {
            count(SimCounter.EVENTS_SENT);
        }
    }

    /** Closes after a failure and retries, the next monitor, after a backoff that grows with each failure in a row. */
    private void fail(long now) {
        session.connectionFailed();
        retry(now, -1);
    }

    /** Closes and connects again after max(retry-after, the backoff), which grows with each failure in a row. */
    private void retry(long now, long retryAfterMillis) {
        disconnect(now + Math.max(retryAfterMillis, backoff.next()));
    }

    private void disconnect(long reconnectAt) {
        if (state == State.IN_SESSION || state == State.CORRUPTED) {
            count(SimCounter.SESSIONS_ENDED);
        }
        connection.close();
        session.closed();
        late.clear();
        state = State.WAITING;
        leaveConnectPlace();
        stateDeadline = reconnectAt;
    }

    private void updateDeadline() {
        long next = switch (state) {
            case WAITING, CONNECTING, TLS_HANDSHAKE, HANDSHAKE, CORRUPTED -> stateDeadline;
            case IN_SESSION -> {
                long at = fault == FaultMode.DISCONNECT ? stateDeadline : Long.MAX_VALUE;
                if (fault != FaultMode.SILENT) {
                    at = Math.min(at, session.heartbeatAt());
                }
                yield Math.min(at, late.nextDue());
            }
            case STOPPED -> Long.MAX_VALUE;
        };
        deadline = next;
        loop.schedule(next);
    }

    void count(SimCounter counter) {
        loop.counters().increment(fault, counter);
    }
}
