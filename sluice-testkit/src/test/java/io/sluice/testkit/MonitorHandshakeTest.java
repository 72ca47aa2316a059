package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewaySession;
import io.sluice.protocol.MonitorRotation;
import io.sluice.protocol.Peer;
import io.sluice.protocol.SessionCodec;
import io.sluice.protocol.SessionEvent;
import io.sluice.protocol.StubSessionVolumes;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MonitorHandshake} against the gateway's real side of the protocol, {@link GatewaySession}, in memory. */
class MonitorHandshakeTest {
    private static final long GATEWAY = 31;
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);
    private final StubSessionVolumes volumes = new StubSessionVolumes(2);
    private final GatewaySession gateway = new GatewaySession(
            new GatewaySession.GatewayIdentity(GATEWAY, "gw", 0, KEY, new byte[0]),
            1_000,
            new MonitorRotation(List.of(InetSocketAddress.createUnresolved("m", 7000))),
            volumes,
            new SessionCodec(),
            clock.epochMillis());
    private final MonitorHandshake monitor = new MonitorHandshake(new Authenticator(clock, 10_000));
    private final FrameDecoder atMonitor =
            FrameDecoder.forConnection(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, 0);
    private final FrameDecoder atGateway =
            FrameDecoder.forConnection(Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, GATEWAY);
    private final ByteBuffer toMonitor = ByteBuffer.allocate(1 << 16);
    private final ByteBuffer toGateway = ByteBuffer.allocate(1 << 16);

    @Test
    void aGatewayWithTheKeyIsAcceptedAndItsSessionOpensWithTheAssignedIds() {
        assertThat(gateway.connected(clock.epochMillis(), n -> toMonitor, null)).isTrue();
        assertThat(atMonitor(FrameType.HELLO)).isTrue();
        assertThat(monitor.onHello(atMonitor)).isEqualTo(GATEWAY);
        monitor.challenge(toGateway);
        assertThat(atGateway()).isEqualTo(SessionEvent.CHALLENGE_ANSWERED);

        assertThat(atMonitor(FrameType.AUTH)).isTrue();
        assertThat(monitor.verify(atMonitor, KEY)).isEqualTo(AuthCheck.VALID);
        monitor.authResult(toGateway, atMonitor, AuthOutcome.ACCEPTED, AuthReason.NONE, 1_000, 0, "", 4);
        assertThat(atGateway()).isEqualTo(SessionEvent.ACCEPTED);
        assertThat(gateway.epoch()).isEqualTo(4);

        assertThat(atMonitor(FrameType.VOLUMES)).isTrue();
        assertThat(monitor.volumes(atMonitor).volumeId(1)).isEqualTo(102);
        monitor.volumeIds(toGateway, new int[] {7, 8});
        assertThat(atGateway()).isEqualTo(SessionEvent.OPENED);
        assertThat(volumes.assigned).containsExactly(7, 8);
        assertThat(monitor.next())
                .as("CHALLENGE, AUTH_RESULT and VOLUME_IDS numbered 1 to 3")
                .isEqualTo(4);
    }

    @Test
    void anAnswerWithAnotherKeyIsNotValidAndARefusalEndsTheGatewaysConnection() {
        GatewaySession impostor = new GatewaySession(
                new GatewaySession.GatewayIdentity(GATEWAY, "gw", 0, Arrays.copyOf(KEY, 16), new byte[0]),
                1_000,
                new MonitorRotation(List.of(InetSocketAddress.createUnresolved("m", 7000))),
                volumes,
                new SessionCodec(),
                clock.epochMillis());
        impostor.connected(clock.epochMillis(), n -> toMonitor, null);
        atMonitor(FrameType.HELLO);
        monitor.onHello(atMonitor);
        monitor.challenge(toGateway);
        assertThat(deliver(impostor)).isEqualTo(SessionEvent.CHALLENGE_ANSWERED);
        atMonitor(FrameType.AUTH);
        assertThat(monitor.verify(atMonitor, KEY)).isNotEqualTo(AuthCheck.VALID);
        monitor.authResult(
                toGateway, atMonitor, AuthOutcome.REFUSED, AuthReason.WRONG_ANSWER, 1_000, 500, "wrong answer", 0);
        assertThat(deliver(impostor)).isEqualTo(SessionEvent.REFUSED);
        assertThat(impostor.refusal()).isEqualTo(AuthReason.WRONG_ANSWER);
        assertThat(impostor.retryAfterMillis()).isEqualTo(500);
    }

    /** Decodes the next frame the gateway sent; whether it is of {@code type}. */
    private boolean atMonitor(FrameType type) {
        toMonitor.flip();
        atMonitor.feed(toMonitor);
        toMonitor.compact();
        return atMonitor.next() == DecodeStatus.FRAME && atMonitor.frameType() == type;
    }

    private SessionEvent atGateway() {
        return deliver(gateway);
    }

    /** Hands the frame the monitor wrote to {@code session}; what it made of it. */
    private SessionEvent deliver(GatewaySession session) {
        toGateway.flip();
        atGateway.feed(toGateway);
        toGateway.compact();
        assertThat(atGateway.next()).isEqualTo(DecodeStatus.FRAME);
        return session.onFrame(atGateway, clock.epochMillis(), n -> toMonitor);
    }
}
