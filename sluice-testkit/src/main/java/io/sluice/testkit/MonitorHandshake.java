package io.sluice.testkit;

import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReader;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultWriter;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.Challenge;
import io.sluice.protocol.ChallengeWriter;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.VolumeIdsWriter;
import io.sluice.protocol.VolumesReader;
import java.nio.ByteBuffer;

/**
 * The monitor's side of one gateway connection's handshake (sluice-protocol's SESSION.md), without I/O, for what plays
 * a monitor outside sluice-monitor: {@link FakeMonitor} and the monitor benchmark's peer servers. It answers HELLO with
 * a CHALLENGE, checks AUTH's answer, writes AUTH_RESULT and VOLUME_IDS, and numbers the frames it is asked to write;
 * its caller decides what to answer (which key, which outcome, which ids) and moves the bytes. One per connection, used
 * by one thread at a time.
 */
public final class MonitorHandshake {
    private final Authenticator authenticator;
    private final Challenge challenge = new Challenge();
    private final ChallengeWriter challengeWriter = new ChallengeWriter();
    private final AuthReader authReader = new AuthReader();
    private final AuthResultWriter resultWriter = new AuthResultWriter();
    private final VolumesReader volumesReader = new VolumesReader();
    private final VolumeIdsWriter volumeIdsWriter = new VolumeIdsWriter();
    private long sequence = 1;
    private long gatewayId;

    /** @param authenticator issues and checks the challenges (shared by a monitor's connections) */
    public MonitorHandshake(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Takes the decoder's HELLO: remembers its gateway and returns its id. */
    public long onHello(FrameDecoder decoder) {
        gatewayId = decoder.gatewayId();
        return gatewayId;
    }

    /** Writes CHALLENGE with a fresh nonce for the gateway of the HELLO. */
    public void challenge(ByteBuffer out) {
        authenticator.issue(challenge, gatewayId);
        challengeWriter.write(out, next(), gatewayId, challenge);
    }

    /** Wraps the decoder's AUTH (its token and the rest stay readable) and checks its answer against {@code key}. */
    public AuthCheck verify(FrameDecoder decoder, byte[] key) {
        AuthReader auth = authReader.wrap(decoder);
        return authenticator.verify(challenge, key, auth.buffer(), auth.answerOffset());
    }

    /** The AUTH the last {@link #verify} took. */
    public AuthReader auth() {
        return authReader;
    }

    /** Writes AUTH_RESULT; for ACCEPTED, the decoder then takes the session's frames. */
    public void authResult(
            ByteBuffer out,
            FrameDecoder decoder,
            AuthOutcome outcome,
            AuthReason reason,
            int pollIntervalMillis,
            int retryAfterMillis,
            String message,
            long epoch) {
        resultWriter.write(
                out, next(), gatewayId, outcome, reason, pollIntervalMillis, retryAfterMillis, message, epoch);
        if (outcome == AuthOutcome.ACCEPTED) {
            decoder.authenticated();
        }
    }

    /** Wraps the decoder's VOLUMES. */
    public VolumesReader volumes(FrameDecoder decoder) {
        return volumesReader.wrap(decoder);
    }

    /** Writes VOLUME_IDS assigning {@code ids}, by position: the session is open. */
    public void volumeIds(ByteBuffer out, int[] ids) {
        volumeIdsWriter.write(out, next(), gatewayId, ids, ids.length);
    }

    /** The sequence for a frame the caller writes itself; the next one carries the one after. */
    public long next() {
        return sequence++;
    }

    /** The gateway of this connection's HELLO, 0 before it. */
    public long gatewayId() {
        return gatewayId;
    }
}
