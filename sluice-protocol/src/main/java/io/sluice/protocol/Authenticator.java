package io.sluice.protocol;

import io.sluice.common.EpochClock;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The challenge-response that follows HELLO. The monitor {@link #issue issues} a random nonce per connection
 * (CHALLENGE); the gateway {@link #answer answers} with HMAC-SHA256, keyed with its own key, over the nonce and its
 * gateway id (AUTH); the monitor {@link #verify verifies} the answer against the key it holds for that gateway.
 *
 * <p>Replays are refused two ways. A challenge is used up by the first answer, so a second AUTH on the same connection
 * is REPLAYED whatever it says. An answer recorded from another connection was made for another nonce and so does not
 * match; the authenticator remembers the last {@value #REMEMBERED_ANSWERS} answers it accepted so that such an answer
 * is reported as REPLAYED rather than merely wrong, which is what an admin wants to see in the audit log. Answers are
 * compared in constant time, so the time a refusal takes says nothing about how much of a forged answer was right.
 *
 * <p>Not thread-safe: one per thread that authenticates (the monitor's inbound threads). Authentication happens once
 * per connection, so it may allocate (a key spec per verification).
 */
public final class Authenticator {
    public static final int MIN_KEY_LENGTH = 16;
    static final int REMEMBERED_ANSWERS = 1024;
    private static final String ALGORITHM = "HmacSHA256";

    private final EpochClock clock;
    private final long challengeTtlMillis;
    private final SecureRandom random;
    private final Mac mac = newMac();
    private final byte[] expected = new byte[AuthDescriptor.ANSWER_LENGTH];
    private final byte[] presented = new byte[AuthDescriptor.ANSWER_LENGTH];
    /** The first 16 bytes of each accepted answer, as two longs, in a ring. */
    private final long[] accepted = new long[REMEMBERED_ANSWERS * 2];

    private int acceptedNext;

    public Authenticator(EpochClock clock, long challengeTtlMillis) {
        this(clock, challengeTtlMillis, new SecureRandom());
    }

    public Authenticator(EpochClock clock, long challengeTtlMillis, SecureRandom random) {
        if (challengeTtlMillis <= 0) {
            throw new IllegalArgumentException("challenge TTL must be positive: " + challengeTtlMillis);
        }
        this.clock = clock;
        this.challengeTtlMillis = challengeTtlMillis;
        this.random = random;
    }

    /** Fills {@code challenge} with a fresh nonce for {@code gatewayId}; send it with {@link ChallengeWriter}. */
    public void issue(Challenge challenge, long gatewayId) {
        random.nextBytes(challenge.nonce);
        challenge.gatewayId = gatewayId;
        challenge.issuedAtMillis = clock.epochMillis();
        challenge.state = Challenge.State.OUTSTANDING;
    }

    /**
     * Checks the 32-byte answer at {@code answerOffset} in {@code buffer} (see {@link AuthReader#answerOffset()})
     * against {@code challenge} and the gateway's {@code key}. Uses the challenge up, whatever the result.
     */
    public AuthCheck verify(Challenge challenge, byte[] key, ByteBuffer buffer, int answerOffset) {
        switch (challenge.state) {
            case NONE -> {
                return AuthCheck.NO_CHALLENGE;
            }
            case USED -> {
                return AuthCheck.REPLAYED;
            }
            case OUTSTANDING -> challenge.state = Challenge.State.USED;
        }
        if (clock.epochMillis() - challenge.issuedAtMillis > challengeTtlMillis) {
            return AuthCheck.EXPIRED;
        }
        buffer.get(answerOffset, presented);
        compute(mac, key, challenge.nonce, challenge.gatewayId, expected);
        if (MessageDigest.isEqual(expected, presented)) {
            remember(presented);
            return AuthCheck.VALID;
        }
        return wasAccepted(presented) ? AuthCheck.REPLAYED : AuthCheck.WRONG_ANSWER;
    }

    /**
     * The gateway's side: its answer to {@code nonce} (from {@link ChallengeReader#nonce()}), for {@link AuthWriter}.
     */
    public static byte[] answer(byte[] key, long gatewayId, byte[] nonce) {
        byte[] answer = new byte[AuthDescriptor.ANSWER_LENGTH];
        compute(newMac(), key, nonce, gatewayId, answer);
        return answer;
    }

    private static void compute(Mac mac, byte[] key, byte[] nonce, long gatewayId, byte[] out) {
        if (key.length < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("gateway keys must be at least " + MIN_KEY_LENGTH + " bytes");
        }
        try {
            mac.init(new SecretKeySpec(key, ALGORITHM));
            mac.update(nonce);
            for (int shift = 56; shift >= 0; shift -= 8) {
                mac.update((byte) (gatewayId >>> shift));
            }
            mac.doFinal(out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 failed", e);
        }
    }

    private void remember(byte[] answer) {
        ByteBuffer bytes = ByteBuffer.wrap(answer);
        accepted[acceptedNext * 2] = bytes.getLong(0);
        accepted[acceptedNext * 2 + 1] = bytes.getLong(8);
        acceptedNext = (acceptedNext + 1) % REMEMBERED_ANSWERS;
    }

    private boolean wasAccepted(byte[] answer) {
        ByteBuffer bytes = ByteBuffer.wrap(answer);
        long first = bytes.getLong(0);
        long second = bytes.getLong(8);
        for (int i = 0; i < REMEMBERED_ANSWERS; i++) {
            if (accepted[i * 2] == first && accepted[i * 2 + 1] == second && (first | second) != 0) {
                return true;
            }
        }
        return false;
    }

    private static Mac newMac() {
        try {
            return Mac.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
        }
    }
}
