package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.ManualEpochClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    private static final long GATEWAY = 42;
    private static final long OTHER_GATEWAY = 43;
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final long TTL = 10_000;

    private final ManualEpochClock clock = new ManualEpochClock(1_700_000_000_000L);
    private final Authenticator authenticator = new Authenticator(clock, TTL);

    @Test
    void theRightAnswerIsValidOnce() {
        Challenge challenge = new Challenge();
        authenticator.issue(challenge, GATEWAY);
        assertThat(challenge.isOutstanding()).isTrue();
        byte[] answer = gatewayAnswers(challenge, KEY, GATEWAY);

        assertThat(verify(challenge, KEY, answer)).isEqualTo(AuthCheck.VALID);
        assertThat(challenge.isOutstanding()).isFalse();
        assertThat(verify(challenge, KEY, answer)).isEqualTo(AuthCheck.REPLAYED);
    }

    @Test
    void anAnswerWithTheWrongKeyOrForAnotherGatewayIsWrong() {
        Challenge challenge = new Challenge();
        authenticator.issue(challenge, GATEWAY);
        assertThat(verify(challenge, KEY, gatewayAnswers(challenge, OTHER_KEY, GATEWAY)))
                .isEqualTo(AuthCheck.WRONG_ANSWER);

        authenticator.issue(challenge, GATEWAY);
        assertThat(verify(challenge, KEY, gatewayAnswers(challenge, KEY, OTHER_GATEWAY)))
                .isEqualTo(AuthCheck.WRONG_ANSWER);

        authenticator.issue(challenge, GATEWAY);
        byte[] tampered = gatewayAnswers(challenge, KEY, GATEWAY);
        tampered[31] ^= 1;
        assertThat(verify(challenge, KEY, tampered)).isEqualTo(AuthCheck.WRONG_ANSWER);
    }

    @Test
    void aWrongAnswerUsesTheChallengeUp() {
        Challenge challenge = new Challenge();
        authenticator.issue(challenge, GATEWAY);
        assertThat(verify(challenge, KEY, new byte[32])).isEqualTo(AuthCheck.WRONG_ANSWER);
        assertThat(verify(challenge, KEY, gatewayAnswers(challenge, KEY, GATEWAY)))
                .isEqualTo(AuthCheck.REPLAYED);
    }

    @Test
    void anAnswerRecordedOnOneConnectionIsRefusedOnAnother() {
        Challenge first = new Challenge();
        authenticator.issue(first, GATEWAY);
        byte[] recorded = gatewayAnswers(first, KEY, GATEWAY);
        assertThat(verify(first, KEY, recorded)).isEqualTo(AuthCheck.VALID);

        Challenge second = new Challenge();
        authenticator.issue(second, GATEWAY);
        assertThat(verify(second, KEY, recorded)).isEqualTo(AuthCheck.REPLAYED);
    }

    @Test
    void everyChallengeHasAFreshNonce() {
        Challenge a = new Challenge();
        Challenge b = new Challenge();
        authenticator.issue(a, GATEWAY);
        authenticator.issue(b, GATEWAY);
        assertThat(a.nonce).isNotEqualTo(b.nonce);
        assertThat(gatewayAnswers(a, KEY, GATEWAY)).isNotEqualTo(gatewayAnswers(b, KEY, GATEWAY));
    }

    @Test
    void aLateAnswerHasExpired() {
        Challenge challenge = new Challenge();
        authenticator.issue(challenge, GATEWAY);
        clock.advance(TTL);
        Challenge late = new Challenge();
        authenticator.issue(late, GATEWAY);
        clock.advance(1);
        assertThat(verify(challenge, KEY, gatewayAnswers(challenge, KEY, GATEWAY)))
                .isEqualTo(AuthCheck.EXPIRED);
        assertThat(verify(late, KEY, gatewayAnswers(late, KEY, GATEWAY))).isEqualTo(AuthCheck.VALID);
    }

    @Test
    void anAnswerWithoutAChallengeIsRefused() {
        assertThat(verify(new Challenge(), KEY, new byte[32])).isEqualTo(AuthCheck.NO_CHALLENGE);
    }

    @Test
    void answersMatchHmacSha256OverNonceAndGatewayId() throws Exception {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        mac.update(nonce);
        byte[] expected = mac.doFinal(ByteBuffer.allocate(8).putLong(GATEWAY).array());
        assertThat(Authenticator.answer(KEY, GATEWAY, nonce)).isEqualTo(expected);
    }

    @Test
    void shortKeysAreRefused() {
        assertThatThrownBy(() -> Authenticator.answer(new byte[15], GATEWAY, new byte[32]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Authenticator(clock, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theWholeHandshakeOverFrames() {
        ByteBuffer toGateway = ByteBuffer.allocate(1024);
        ByteBuffer toMonitor = ByteBuffer.allocate(1024);
        FrameDecoder atGateway = new FrameDecoder(Peer.MONITOR, 4096, 256, GATEWAY);
        FrameDecoder atMonitor = new FrameDecoder(Peer.GATEWAY, 4096);

        new HelloWriter().write(toMonitor, 1, GATEWAY, Capabilities.BURST, 0, "gw-1");
        atMonitor.feed(toMonitor.flip());
        assertThat(atMonitor.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(new HelloReader().wrap(atMonitor).gatewayName()).isEqualTo("gw-1");

        Challenge challenge = new Challenge();
        authenticator.issue(challenge, atMonitor.gatewayId());
        new ChallengeWriter().write(toGateway, 1, GATEWAY, challenge);
        atGateway.feed(toGateway.flip());
        assertThat(atGateway.next()).isEqualTo(DecodeStatus.FRAME);
        byte[] answer = Authenticator.answer(
                KEY, GATEWAY, new ChallengeReader().wrap(atGateway).nonce());

        toMonitor.clear();
        new AuthWriter().write(toMonitor, 2, GATEWAY, answer);
        atMonitor.feed(toMonitor.flip());
        assertThat(atMonitor.next()).isEqualTo(DecodeStatus.FRAME);
        AuthReader auth = new AuthReader().wrap(atMonitor);
        assertThat(authenticator.verify(challenge, KEY, auth.buffer(), auth.answerOffset()))
                .isEqualTo(AuthCheck.VALID);
    }

    private byte[] gatewayAnswers(Challenge challenge, byte[] key, long gatewayId) {
        return Authenticator.answer(key, gatewayId, challenge.nonce.clone());
    }

    private AuthCheck verify(Challenge challenge, byte[] key, byte[] answer) {
        ByteBuffer frame = ByteBuffer.allocate(AuthDescriptor.frameLength(0));
        new AuthWriter().write(frame, 1, GATEWAY, answer);
        return authenticator.verify(challenge, key, frame, AuthDescriptor.ANSWER_OFFSET);
    }
}
