package io.sluice.protocol;

import static io.sluice.protocol.FrameDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What a peer that has not authenticated can make a receiver hold, and what a forged AUTH_RESULT can ask. */
class HandshakeLimitsTest {
    private static final long GATEWAY = Samples.GATEWAY_ID;

    @Test
    void aHelloHeaderDeclaringAMegabyteIsRefusedBeforeTheBufferGrows() {
        FrameDecoder decoder = FrameDecoder.forConnection(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH, 512, 0);
        ByteBuffer header = ByteBuffer.allocate(HANDSHAKE_MAX_FRAME_LENGTH);
        header.putInt(LENGTH_OFFSET, DEFAULT_MAX_FRAME_LENGTH)
                .put(VERSION_OFFSET, (byte) PROTOCOL_VERSION)
                .put(TYPE_OFFSET, (byte) FrameType.HELLO.code())
                .putLong(SEQUENCE_OFFSET, 1)
                .putLong(GATEWAY_ID_OFFSET, GATEWAY);
        while (header.hasRemaining() && decoder.feed(header) > 0) {
            assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        }
        assertThat(decoder.error()).isEqualTo(FrameError.OVERSIZE);
        assertThat(decoder.errorValue()).isEqualTo(DEFAULT_MAX_FRAME_LENGTH);
        assertThat(decoder.buffer().capacity()).isLessThanOrEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
    }

    @Test
    void onlyHandshakeFramesAreTakenBeforeAuthentication() {
        for (FrameType type : FrameType.values()) {
            Peer sender = type.isSentBy(Peer.GATEWAY) ? Peer.GATEWAY : Peer.MONITOR;
            FrameDecoder decoder = FrameDecoder.forConnection(sender, DEFAULT_MAX_FRAME_LENGTH, 4096, 0);
            // The header alone says what the frame is: nothing of a refused body is waited for.
            decoder.feed(Samples.frame(Samples.random(type, new Random(type.code()), 1))
                    .limit(HEADER_LENGTH));
            if (type.isHandshake()) {
                assertThat(decoder.next()).as(type.name()).isEqualTo(DecodeStatus.NEED_MORE);
            } else {
                assertThat(decoder.next()).as(type.name()).isEqualTo(DecodeStatus.ERROR);
                assertThat(decoder.error()).isEqualTo(FrameError.BEFORE_AUTHENTICATION);
                assertThat(decoder.errorValue()).isEqualTo(type.code());
            }
        }
        assertThat(List.of(FrameType.values()).stream().filter(FrameType::isHandshake))
                .containsExactly(
                        FrameType.HELLO,
                        FrameType.CHALLENGE,
                        FrameType.AUTH,
                        FrameType.AUTH_RESULT,
                        FrameType.ENROLL,
                        FrameType.CERTIFICATE,
                        FrameType.STANDBY);
    }

    @Test
    void everyHandshakeFrameFitsTheHandshakeLimit() {
        assertThat(HelloDescriptor.frameLength(HelloDescriptor.MAX_NAME_LENGTH))
                .isLessThanOrEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(AuthDescriptor.frameLength(AuthDescriptor.MAX_TOKEN_LENGTH))
                .isLessThanOrEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(AuthResultDescriptor.frameLength(AuthResultDescriptor.MAX_MESSAGE_LENGTH))
                .isLessThanOrEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(ChallengeDescriptor.FRAME_LENGTH).isLessThanOrEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(EnrollDescriptor.frameLength(AuthDescriptor.MAX_TOKEN_LENGTH, EnrollDescriptor.MAX_REQUEST_LENGTH))
                .isEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(CertificateDescriptor.frameLength(CertificateDescriptor.MAX_CERTIFICATE_LENGTH))
                .isEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(StandbyDescriptor.frameLength(StandbyDescriptor.MAX_ADDRESS_LENGTH))
                .isLessThanOrEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
    }

    @Test
    void anEnrollmentRequestLongerThanItsBoundIsMalformedAndOneLongerThanTheHandshakeOversize() {
        ByteBuffer frame = Samples.frame(new Samples.Enroll(new byte[32], new byte[] {1}, new byte[100]));
        frame.putShort(EnrollDescriptor.REQUEST_LENGTH_OFFSET, (short) (EnrollDescriptor.MAX_REQUEST_LENGTH + 1));
        frame.putInt(LENGTH_OFFSET, EnrollDescriptor.frameLength(1, EnrollDescriptor.MAX_REQUEST_LENGTH + 1));
        ByteBuffer padded =
                ByteBuffer.allocate(frame.getInt(LENGTH_OFFSET)).put(frame).clear();
        FrameDecoder decoder = FrameDecoder.forConnection(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH, 512, 0);
        DecodeStatus status = DecodeStatus.NEED_MORE;
        while (status == DecodeStatus.NEED_MORE && padded.hasRemaining()) {
            decoder.feed(padded);
            status = decoder.next();
        }
        assertThat(status).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.MALFORMED);

        ByteBuffer huge = Samples.frame(
                new Samples.Enroll(new byte[32], new byte[256], new byte[EnrollDescriptor.MAX_REQUEST_LENGTH]));
        huge.putInt(LENGTH_OFFSET, HANDSHAKE_MAX_FRAME_LENGTH + 1);
        FrameDecoder second = FrameDecoder.forConnection(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH, 512, 0);
        second.feed(huge);
        assertThat(second.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(second.error()).isEqualTo(FrameError.OVERSIZE);
    }

    @Test
    void onceAuthenticatedLargeFramesAreTakenAndAResetStartsOver() {
        FrameDecoder decoder = FrameDecoder.forConnection(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH, 512, 0);
        decoder.feed(Samples.frame(new Samples.Hello(0, "gw", 4096)));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        decoder.authenticated();
        List<Samples.Volume> many = new ArrayList<>();
        for (int i = 0; i < HelloDescriptor.MAX_VOLUMES; i++) {
            many.add(new Samples.Volume(i, 0, 1 << 30, "v" + i));
        }
        ByteBuffer volumes = Samples.frame(new Samples.Volumes(many));
        volumes.putLong(SEQUENCE_OFFSET, 2);
        while (volumes.hasRemaining()) {
            decoder.feed(volumes);
            DecodeStatus status = decoder.next();
            if (status != DecodeStatus.NEED_MORE) {
                assertThat(status).isEqualTo(DecodeStatus.FRAME);
                assertThat(new VolumesReader().wrap(decoder).volumeCount()).isEqualTo(HelloDescriptor.MAX_VOLUMES);
            }
        }
        decoder.reset();
        assertThat(decoder.isAuthenticated()).isFalse();
        assertThat(decoder.frameLimit()).isEqualTo(HANDSHAKE_MAX_FRAME_LENGTH);
        assertThat(new FrameDecoder(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH).isAuthenticated())
                .isTrue();
    }

    @Test
    void aForgedRetryAfterIsClampedToFiveMinutes() {
        ByteBuffer frame =
                Samples.frame(new Samples.AuthResult(AuthOutcome.PENDING, AuthReason.AWAITING_APPROVAL, 0, 30_000, ""));
        AuthResultReader reader = new AuthResultReader().wrap(frame, 0);
        assertThat(reader.retryAfterMillis()).isEqualTo(30_000);
        for (int forged :
                new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS + 1}) {
            frame.putInt(AuthResultDescriptor.RETRY_AFTER_OFFSET, forged);
            assertThat(reader.retryAfterMillis())
                    .as("retry-after %d", forged)
                    .isEqualTo(AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS);
        }
        assertThat(AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS).isEqualTo(5 * 60_000);
    }
}
