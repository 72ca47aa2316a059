package io.sluice.bench.monitor;

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
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.Peer;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.VolumeIdsWriter;
import io.sluice.protocol.VolumesReader;
import java.nio.ByteBuffer;

/**
 * The monitor's side of one gateway session for the peer servers of the monitor benchmark: the same handshake and
 * poll/report exchange the Sluice daemon does (HELLO, CHALLENGE, AUTH, AUTH_RESULT, VOLUMES, VOLUME_IDS, POLL, STATS,
 * with the same limits before authentication), so every peer does the same protocol work and differs only in its
 * threading. Not thread-safe: each peer keeps it on one thread at a time.
 */
final class GatewayConversation {
    private final byte[] secret;
    private final Authenticator authenticator = new Authenticator(EpochClock.system(), 30_000);
    private final Challenge challenge = new Challenge();
    private final AuthReader authReader = new AuthReader();
    private final ChallengeWriter challengeWriter = new ChallengeWriter();
    private final AuthResultWriter resultWriter = new AuthResultWriter();
    private final PollWriter pollWriter = new PollWriter();
    private final VolumesReader volumesReader = new VolumesReader();
    private final VolumeIdsWriter volumeIdsWriter = new VolumeIdsWriter();
    private int[] volumeIds = new int[0];
    final FrameDecoder decoder = FrameDecoder.forConnection(Peer.GATEWAY, 1 << 20, 512, 0);
    private long sequence = 1;
    private long gatewayId;
    private volatile boolean inSession;

    GatewayConversation(byte[] secret) {
        this.secret = secret;
    }

    boolean inSession() {
        return inSession;
    }

    /**
     * Handles every whole frame received so far, writing answers into {@code out}; returns the number of STATS reports
     * seen, or -1 when the connection must be closed.
     */
    int onBytes(ByteBuffer out) {
        int reports = 0;
        DecodeStatus status;
        while ((status = decoder.next()) == DecodeStatus.FRAME) {
            FrameType type = decoder.frameType();
            if (type == FrameType.HELLO) {
                gatewayId = decoder.gatewayId();
                authenticator.issue(challenge, gatewayId);
                challengeWriter.write(out, sequence++, gatewayId, challenge);
            } else if (type == FrameType.AUTH) {
                authReader.wrap(decoder);
                AuthCheck check = authenticator.verify(
                        challenge,
                        GatewayKeys.derive(secret, gatewayId),
                        authReader.buffer(),
                        authReader.answerOffset());
                boolean ok = check == AuthCheck.VALID;
                resultWriter.write(
                        out,
                        sequence++,
                        gatewayId,
                        ok ? AuthOutcome.ACCEPTED : AuthOutcome.REFUSED,
                        ok ? AuthReason.NONE : AuthReason.WRONG_ANSWER,
                        1000,
                        0,
                        "");
                if (ok) {
                    decoder.authenticated();
                }
            } else if (type == FrameType.VOLUMES) {
                volumesReader.wrap(decoder);
                volumeIds = new int[volumesReader.volumeCount()];
                for (int i = 0; i < volumeIds.length; i++) {
                    // A fresh server honours every proposal that no other volume holds; these peers give them all.
                    volumeIds[i] = volumesReader.volumeId(i);
                }
                volumeIdsWriter.write(out, sequence++, gatewayId, volumeIds, volumeIds.length);
                inSession = true;
            } else if (type == FrameType.STATS) {
                reports++;
            }
        }
        return status == DecodeStatus.ERROR || status == DecodeStatus.END_OF_STREAM ? -1 : reports;
    }

    void writePoll(ByteBuffer out, long pollSequence) {
        pollWriter.write(out, sequence++, gatewayId, pollSequence, System.currentTimeMillis());
    }
}
