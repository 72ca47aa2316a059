package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link GatewaySession} driven frame by frame, as SESSION.md draws it: the test plays the monitor, writing its frames
 * with the monitor's writers into the gateway's decoder and reading the gateway's answers with a monitor's decoder, on
 * a manual clock.
 */
class GatewaySessionTest {
    private static final long GATEWAY = 42;
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final InetSocketAddress FIRST = InetSocketAddress.createUnresolved("m1", 7000);
    private static final InetSocketAddress SECOND = InetSocketAddress.createUnresolved("m2", 7000);
    private static final int HEARTBEAT_MILLIS = 1_000;

    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);
    private final StubSessionVolumes volumes = new StubSessionVolumes(3);
    private final MonitorRotation rotation = new MonitorRotation(List.of(FIRST, SECOND));
    private final GatewaySession session = new GatewaySession(
            new GatewaySession.GatewayIdentity(GATEWAY, "gw", 7, KEY, new byte[0]),
            HEARTBEAT_MILLIS,
            rotation,
            volumes,
            new SessionCodec(),
            clock.epochMillis());
    private final Monitor monitor = new Monitor();

    @Test
    void handshakeOpensTheSessionWithAVerifiedAnswerAndAssignedIds() {
        assertThat(monitor.connect(null)).containsExactly(FrameType.HELLO);
        assertThat(new HelloReader().wrap(monitor.in).volumeCount()).isEqualTo(3);

        assertThat(monitor.challenge()).containsExactly(SessionEvent.CHALLENGE_ANSWERED);
        assertThat(monitor.read()).containsExactly(FrameType.AUTH);
        AuthReader auth = new AuthReader().wrap(monitor.in);
        assertThat(monitor.authenticator.verify(monitor.issued, KEY, auth.buffer(), auth.answerOffset()))
                .isEqualTo(AuthCheck.VALID);

        assertThat(monitor.accept(5)).containsExactly(SessionEvent.ACCEPTED);
        assertThat(monitor.read()).containsExactly(FrameType.VOLUMES);
        VolumesReader sent = new VolumesReader().wrap(monitor.in);
        assertThat(sent.volumeCount()).isEqualTo(3);
        assertThat(sent.volumeId(2)).isEqualTo(103);
        assertThat(sent.volumeName(1)).isEqualTo("v1");

        assertThat(monitor.volumeIds(7, VolumeIdsDescriptor.REFUSED, 9)).containsExactly(SessionEvent.OPENED);
        assertThat(session.phase()).isEqualTo(GatewaySession.Phase.OPEN);
        assertThat(session.epoch()).isEqualTo(5);
        assertThat(volumes.assigned).containsExactly(7, VolumeIdsDescriptor.REFUSED, 9);
    }

    @Test
    void aPollIsAnsweredWithTheVolumesNotRefusedAndTheReportSequenceSurvivesReconnects() {
        open(1, 7, VolumeIdsDescriptor.REFUSED, 9);
        clock.advance(1_500);
        assertThat(monitor.poll(11)).containsExactly(SessionEvent.POLL);
        assertThat(session.answerPoll(session.pollSequence(monitor.toGateway), clock.epochMillis(), monitor))
                .isTrue();
        assertThat(monitor.read()).containsExactly(FrameType.STATS);
        StatsReader stats = new StatsReader().wrap(monitor.in);
        assertThat(stats.pollSequence()).isEqualTo(11);
        assertThat(stats.reportSequence()).isEqualTo(1);
        assertThat(stats.intervalMillis()).isEqualTo(1_500);
        assertThat(stats.volumeCount()).isEqualTo(2);
        assertThat(stats.volume(0).volumeId()).isEqualTo(7);
        assertThat(stats.volume(1).volumeId()).isEqualTo(9);
        assertThat(volumes.reports).isEqualTo(1);

        session.connectionFailed();
        open(1, 7, 8, 9);
        monitor.poll(12);
        session.answerPoll(12, clock.epochMillis(), monitor);
        monitor.read();
        assertThat(new StatsReader().wrap(monitor.in).reportSequence()).isEqualTo(2);
    }

    @Test
    void aReportTooLargeForOneFrameIsSplitWithMore() {
        StubSessionVolumes many = new StubSessionVolumes(GatewaySession.VOLUMES_PER_STATS_FRAME + 5);
        GatewaySession big = new GatewaySession(
                new GatewaySession.GatewayIdentity(GATEWAY, "gw", 7, KEY, new byte[0]),
                HEARTBEAT_MILLIS,
                rotation,
                many,
                new SessionCodec(),
                0);
        Monitor bigMonitor = new Monitor(big);
        bigMonitor.connect(null);
        bigMonitor.challenge();
        bigMonitor.accept(0);
        int[] ids = new int[many.count()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i + 1;
        }
        bigMonitor.volumeIds(ids);
        bigMonitor.read();
        assertThat(big.answerPoll(3, 10, bigMonitor)).isTrue();
        assertThat(bigMonitor.read()).containsExactly(FrameType.STATS, FrameType.STATS);
    }

    @Test
    void aThrottleSetIsAppliedAndAcknowledgedPerVolume() {
        open(2, 7, VolumeIdsDescriptor.REFUSED, 9);
        assertThat(monitor.throttleSet(2, 7, 8)).containsExactly(SessionEvent.THROTTLE_SET);
        assertThat(session.answerThrottleSet(clock.epochMillis(), monitor))
                .isEqualTo(GatewaySession.ThrottleAnswer.ACKNOWLEDGED);
        assertThat(monitor.read()).containsExactly(FrameType.THROTTLE_ACK);
        ThrottleAckReader ack = new ThrottleAckReader().wrap(monitor.in);
        assertThat(ack.status(0)).isEqualTo(ThrottleAckStatus.APPLIED);
        assertThat(ack.versionInForce(0)).isEqualTo(1);
        assertThat(ack.status(1)).isEqualTo(ThrottleAckStatus.UNKNOWN_VOLUME);
        assertThat(volumes.applied).isEqualTo(1);
    }

    @Test
    void aThrottleSetOfAnOlderEpochIsRefusedForEveryVolumeAndChangesNothing() {
        open(5, 7, 8, 9);
        monitor.throttleSet(4, 7, 9);
        assertThat(session.answerThrottleSet(clock.epochMillis(), monitor))
                .isEqualTo(GatewaySession.ThrottleAnswer.STALE_EPOCH);
        monitor.read();
        ThrottleAckReader ack = new ThrottleAckReader().wrap(monitor.in);
        assertThat(ack.status(0)).isEqualTo(ThrottleAckStatus.STALE_EPOCH);
        assertThat(ack.status(1)).isEqualTo(ThrottleAckStatus.STALE_EPOCH);
        assertThat(volumes.applied).isZero();
        assertThat(session.epoch()).isEqualTo(5);

        monitor.throttleSet(6, 8);
        session.answerThrottleSet(clock.epochMillis(), monitor);
        assertThat(session.epoch()).isEqualTo(6);
        assertThat(volumes.applied).isEqualTo(1);
    }

    @Test
    void anAcceptanceFromAnOlderEpochEndsTheConnectionAndMovesOn() {
        open(5, 7, 8, 9);
        session.closed();
        monitor.connect(null);
        monitor.challenge();
        assertThat(monitor.accept(4)).containsExactly(SessionEvent.STALE_EPOCH);
        assertThat(monitor.read()).containsExactly(FrameType.AUTH);
        assertThat(session.monitor()).isEqualTo(SECOND);
        assertThat(session.epoch()).isEqualTo(5);
    }

    @Test
    void aStandbyNamingTheActiveRedirectsAtOnceTheFirstTimeInARow() {
        monitor.connect(null);
        assertThat(monitor.standby(0, "10.0.0.2:7000")).containsExactly(SessionEvent.STANDBY_REDIRECT);
        assertThat(session.atOnce()).isTrue();
        assertThat(session.monitor().getPort()).isEqualTo(7000);
        assertThat(session.monitor().getHostString()).isEqualTo("10.0.0.2");
        session.closed();

        monitor.connect(null);
        assertThat(monitor.standby(0, "10.0.0.3:7000")).containsExactly(SessionEvent.STANDBY_REDIRECT);
        assertThat(session.atOnce()).isFalse();
    }

    @Test
    void aStandbyKnowingNoActiveSendsTheGatewayOnAfterItsRetryAfterAndNeverMovesTheEpoch() {
        monitor.connect(null);
        assertThat(monitor.standby(2_000, "")).containsExactly(SessionEvent.STANDBY_NO_ACTIVE);
        assertThat(session.retryAfterMillis()).isEqualTo(2_000);
        assertThat(session.monitor()).isEqualTo(SECOND);
        assertThat(session.epoch()).isZero();
    }

    @Test
    void pendingAndRefusedEndTheConnectionWithTheirRetryAfterAndReason() {
        monitor.connect(null);
        monitor.challenge();
        assertThat(monitor.refuse(AuthOutcome.PENDING, AuthReason.AWAITING_APPROVAL, 3_000))
                .containsExactly(SessionEvent.PENDING);
        assertThat(session.retryAfterMillis()).isEqualTo(3_000);
        session.closed();

        monitor.connect(null);
        monitor.challenge();
        assertThat(monitor.refuse(AuthOutcome.REFUSED, AuthReason.REVOKED, 0)).containsExactly(SessionEvent.REFUSED);
        assertThat(session.refusal()).isEqualTo(AuthReason.REVOKED);
        assertThat(session.monitor()).isEqualTo(FIRST);
    }

    @Test
    void framesOutOfOrderAreTypedProtocolErrors() {
        monitor.connect(null);
        assertThat(monitor.refuse(AuthOutcome.REFUSED, AuthReason.REVOKED, 0))
                .containsExactly(SessionEvent.PROTOCOL_ERROR);
        assertThat(session.error()).isEqualTo(SessionError.UNEXPECTED_FRAME);
        assertThat(session.errorText()).isEqualTo("unexpected AUTH_RESULT in HELLO_SENT");

        monitor.connect(null);
        assertThat(monitor.certificate()).containsExactly(SessionEvent.PROTOCOL_ERROR);

        monitor.connect(null);
        monitor.challenge();
        assertThat(monitor.challenge()).containsExactly(SessionEvent.PROTOCOL_ERROR);

        monitor.connect(null);
        monitor.challenge();
        assertThat(monitor.standby(0, "10.0.0.2:7000")).containsExactly(SessionEvent.PROTOCOL_ERROR);

        monitor.connect(null);
        monitor.challenge();
        monitor.accept(0);
        assertThat(monitor.poll(1)).containsExactly(SessionEvent.PROTOCOL_ERROR);
        assertThat(session.errorText()).isEqualTo("unexpected POLL in VOLUMES_SENT");

        open(0, 7, 8, 9);
        assertThat(monitor.certificate()).containsExactly(SessionEvent.PROTOCOL_ERROR);
        assertThat(session.errorText()).isEqualTo("unexpected CERTIFICATE in OPEN");
        open(0, 7, 8, 9);
        assertThat(monitor.volumeIds(7, 8, 9)).containsExactly(SessionEvent.PROTOCOL_ERROR);
        assertThat(session.answerPoll(1, clock.epochMillis(), monitor)).isTrue();
    }

    @Test
    void volumeIdsOfAnotherCountEndTheConnection() {
        monitor.connect(null);
        monitor.challenge();
        monitor.accept(0);
        assertThat(monitor.volumeIds(1, 2)).containsExactly(SessionEvent.PROTOCOL_ERROR);
        assertThat(session.error()).isEqualTo(SessionError.VOLUME_COUNT_MISMATCH);
        assertThat(session.phase()).isEqualTo(GatewaySession.Phase.VOLUMES_SENT);
    }

    @Test
    void hostileFramesStopInTheDecoderBeforeTheSession() {
        monitor.connect(null);
        // A frame only a gateway sends, as if from the monitor: refused as WRONG_SENDER.
        new HelloWriter().write(monitor.pending, monitor.sequence++, GATEWAY, 7, 3, "evil");
        assertThat(monitor.deliver()).isEmpty();
        assertThat(monitor.toGateway.error()).isEqualTo(FrameError.WRONG_SENDER);
        // Before ACCEPTED, a frame beyond the handshake's is refused without reaching the session.
        monitor.connect(null);
        assertThat(monitor.poll(1)).isEmpty();
        assertThat(monitor.toGateway.error()).isEqualTo(FrameError.BEFORE_AUTHENTICATION);
        assertThat(session.phase()).isEqualTo(GatewaySession.Phase.HELLO_SENT);
    }

    @Test
    void enrollmentSendsEnrollAndTakesACertificateButNotAnAcceptance() {
        GatewaySession enrolling = new GatewaySession(
                new GatewaySession.GatewayIdentity(GATEWAY, "gw", 7, KEY, new byte[] {5, 5}),
                HEARTBEAT_MILLIS,
                rotation,
                volumes,
                new SessionCodec(),
                0);
        Monitor monitor = new Monitor(enrolling);
        GatewaySession session = enrolling;
        byte[] request = {1, 2, 3};
        monitor.connect(request);
        monitor.challenge();
        assertThat(monitor.read()).containsExactly(FrameType.ENROLL);
        assertThat(new EnrollReader().wrap(monitor.in).request()).containsExactly(request);
        assertThat(session.enrolling()).isTrue();
        assertThat(monitor.certificate()).containsExactly(SessionEvent.CERTIFICATE);
        assertThat(session.certificate().certificate()).containsExactly(9, 9);

        monitor.connect(request);
        monitor.challenge();
        assertThat(monitor.accept(0)).containsExactly(SessionEvent.PROTOCOL_ERROR);
        assertThat(session.error()).isEqualTo(SessionError.ACCEPTED_ENROLLMENT);
    }

    @Test
    void renewalGoesOutOncePerConnectionAndItsCertificateIsTakenInSession() {
        open(0, 7, 8, 9);
        assertThat(session.requestRenewal(new byte[] {4}, clock.epochMillis(), monitor))
                .isTrue();
        assertThat(session.requestRenewal(new byte[] {4}, clock.epochMillis(), monitor))
                .isFalse();
        assertThat(monitor.read()).containsExactly(FrameType.RENEW);
        assertThat(monitor.certificate()).containsExactly(SessionEvent.CERTIFICATE);
        assertThat(session.phase()).isEqualTo(GatewaySession.Phase.OPEN);
    }

    @Test
    void heartbeatsFillSilenceAndEchoTheMonitorsAndASilentMonitorIsNoticed() {
        open(0, 7, 8, 9);
        clock.advance(HEARTBEAT_MILLIS - 1);
        assertThat(session.heartbeatDue(clock.epochMillis())).isFalse();
        assertThat(monitor.heartbeat(777)).containsExactly(SessionEvent.HEARTBEAT);
        clock.advance(1);
        assertThat(session.heartbeatDue(clock.epochMillis())).isTrue();
        assertThat(session.sendHeartbeat(clock.epochMillis(), monitor)).isTrue();
        assertThat(monitor.read()).containsExactly(FrameType.HEARTBEAT);
        assertThat(new HeartbeatReader().wrap(monitor.in).echoMillis()).isEqualTo(777);
        assertThat(session.heartbeatAt()).isEqualTo(clock.epochMillis() + HEARTBEAT_MILLIS);

        // Poll interval 1 s: silent for max(3 heartbeats, 4 polls) = 4 s.
        assertThat(session.silenceLimitMillis()).isEqualTo(4_000);
        clock.advance(3_999);
        assertThat(session.monitorSilent(clock.epochMillis())).isFalse();
        clock.advance(1);
        assertThat(session.monitorSilent(clock.epochMillis())).isTrue();
    }

    @Test
    void capacityWarningsGoOutWhenTheSessionOpensAndAfterReports() {
        volumes.warn[0] = true;
        volumes.warn[1] = true;
        assertThat(open(0, 7, VolumeIdsDescriptor.REFUSED, 9))
                .containsExactly(FrameType.AUTH, FrameType.VOLUMES, FrameType.EVENT);
        assertThat(new EventReader().wrap(monitor.in).volumeId()).isEqualTo(7);

        volumes.warn[2] = true;
        monitor.poll(1);
        session.answerPoll(1, clock.epochMillis(), monitor);
        assertThat(monitor.read()).containsExactly(FrameType.STATS, FrameType.EVENT);
    }

    @Test
    void withNoRoomNothingIsWrittenNorCounted() {
        open(0, 7, 8, 9);
        monitor.full = true;
        monitor.poll(1);
        assertThat(session.answerPoll(1, clock.epochMillis(), monitor)).isFalse();
        monitor.throttleSet(0, 7);
        assertThat(session.answerThrottleSet(clock.epochMillis(), monitor))
                .isEqualTo(GatewaySession.ThrottleAnswer.NO_ROOM);
        assertThat(volumes.applied).isZero();
        assertThat(session.reportSequence()).isZero();
        monitor.full = false;
        assertThat(monitor.read()).isEmpty();
    }

    /** Opens a session at {@code epoch} with the ids assigned; the frames the gateway sent after its HELLO. */
    private List<FrameType> open(long epoch, int... ids) {
        monitor.connect(null);
        monitor.challenge();
        monitor.accept(epoch);
        assertThat(monitor.volumeIds(ids)).containsExactly(SessionEvent.OPENED);
        return monitor.read();
    }

    /** The test's side of the connection: a monitor writing frames and reading the gateway's. */
    private final class Monitor implements SessionOutbox {
        final GatewaySession gateway;
        final Authenticator authenticator = new Authenticator(clock, 10_000);
        final Challenge issued = new Challenge();
        FrameDecoder toGateway;
        FrameDecoder in;
        ByteBuffer pending = ByteBuffer.allocate(1 << 20);
        final ByteBuffer fromGateway = ByteBuffer.allocate(4 << 20);
        long sequence;
        boolean full;

        Monitor() {
            this(session);
        }

        Monitor(GatewaySession gateway) {
            this.gateway = gateway;
        }

        List<FrameType> connect(byte[] certificateRequest) {
            toGateway =
                    FrameDecoder.forConnection(Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 256, GATEWAY);
            in = new FrameDecoder(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
            fromGateway.clear();
            sequence = 1;
            assertThat(gateway.connected(clock.epochMillis(), this, certificateRequest))
                    .isTrue();
            return read();
        }

        List<SessionEvent> challenge() {
            authenticator.issue(issued, GATEWAY);
            new ChallengeWriter().write(pending, sequence++, GATEWAY, issued);
            return deliver();
        }

        List<SessionEvent> accept(long epoch) {
            new AuthResultWriter()
                    .write(pending, sequence++, GATEWAY, AuthOutcome.ACCEPTED, AuthReason.NONE, 1_000, 0, "", epoch);
            return deliver();
        }

        List<SessionEvent> refuse(AuthOutcome outcome, AuthReason reason, int retryAfter) {
            new AuthResultWriter().write(pending, sequence++, GATEWAY, outcome, reason, 0, retryAfter, "no");
            return deliver();
        }

        List<SessionEvent> standby(int retryAfter, String active) {
            byte[] address = active.isEmpty() ? new byte[0] : StandbyWriter.addressBytes(active);
            new StandbyWriter().write(pending, sequence++, GATEWAY, retryAfter, address);
            return deliver();
        }

        List<SessionEvent> volumeIds(int... ids) {
            new VolumeIdsWriter().write(pending, sequence++, GATEWAY, ids, ids.length);
            return deliver();
        }

        List<SessionEvent> poll(long pollSequence) {
            new PollWriter().write(pending, sequence++, GATEWAY, pollSequence, clock.epochMillis());
            return deliver();
        }

        List<SessionEvent> heartbeat(long sentAt) {
            new HeartbeatWriter().write(pending, sequence++, GATEWAY, sentAt, 0);
            return deliver();
        }

        List<SessionEvent> certificate() {
            new CertificateWriter().write(pending, sequence++, GATEWAY, new byte[] {9, 9});
            return deliver();
        }

        List<SessionEvent> throttleSet(long epoch, int... ids) {
            ThrottleSetWriter writer = new ThrottleSetWriter();
            writer.begin(pending, sequence++, GATEWAY, 100 + sequence, ids.length);
            writer.epoch(epoch);
            for (int i = 0; i < ids.length; i++) {
                writer.volume(i).volumeId(ids[i]).version(1).iopsLimit(500);
            }
            writer.commit();
            return deliver();
        }

        /** Feeds what was written to the gateway's decoder and hands each whole frame to the session. */
        List<SessionEvent> deliver() {
            pending.flip();
            List<SessionEvent> events = new ArrayList<>();
            while (pending.hasRemaining()) {
                toGateway.feed(pending);
                while (toGateway.next() == DecodeStatus.FRAME) {
                    SessionEvent event = gateway.onFrame(toGateway, clock.epochMillis(), this);
                    events.add(event);
                    if (event.ends()) {
                        pending.clear();
                        return events;
                    }
                }
                if (toGateway.error() != null) {
                    break;
                }
            }
            pending.clear();
            return events;
        }

        /** The frame types the gateway wrote since the last read, each in turn wrapped as {@link #in}'s frame. */
        List<FrameType> read() {
            List<FrameType> types = new ArrayList<>();
            fromGateway.flip();
            DecodeStatus status;
            do {
                in.feed(fromGateway);
                while ((status = in.next()) == DecodeStatus.FRAME) {
                    types.add(in.frameType());
                    if (in.frameType() == FrameType.VOLUMES) {
                        in.authenticated();
                    }
                }
                assertThat(status).isEqualTo(DecodeStatus.NEED_MORE);
            } while (fromGateway.hasRemaining());
            fromGateway.compact();
            return types;
        }

        @Override
        public ByteBuffer room(int length) {
            return full || fromGateway.remaining() < length ? null : fromGateway;
        }
    }
}
