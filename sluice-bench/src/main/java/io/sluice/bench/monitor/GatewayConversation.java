package io.sluice.bench.monitor;

import io.sluice.common.EpochClock;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.Peer;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.VolumesReader;
import io.sluice.testkit.MonitorHandshake;
import java.nio.ByteBuffer;

/**
 * The monitor's side of one gateway session for the peer servers of the monitor benchmark: the same handshake and
 * poll/report exchange the Sluice daemon does (HELLO, CHALLENGE, AUTH, AUTH_RESULT, VOLUMES, VOLUME_IDS, POLL, STATS,
 * with the same limits before authentication), so every peer does the same protocol work and differs only in its
 * threading. The handshake is testkit's {@link MonitorHandshake}, the one the tests' fake monitor answers with. Not
 * thread-safe: each peer keeps it on one thread at a time.
 */
final class GatewayConversation {
    private final byte[] secret;
    private final MonitorHandshake handshake = new MonitorHandshake(new Authenticator(EpochClock.system(), 30_000));
    private final PollWriter pollWriter = new PollWriter();
    final FrameDecoder decoder = FrameDecoder.forConnection(Peer.GATEWAY, 1 << 20, 512, 0);
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
                handshake.onHello(decoder);
                handshake.challenge(out);
            } else if (type == FrameType.AUTH) {
                AuthCheck check = handshake.verify(decoder, GatewayKeys.derive(secret, handshake.gatewayId()));
                boolean ok = check == AuthCheck.VALID;
                handshake.authResult(
                        out,
                        decoder,
                        ok ? AuthOutcome.ACCEPTED : AuthOutcome.REFUSED,
                        ok ? AuthReason.NONE : AuthReason.WRONG_ANSWER,
                        1000,
                        0,
                        "",
                        0);
            } else if (type == FrameType.VOLUMES) {
                VolumesReader volumes = handshake.volumes(decoder);
                int[] volumeIds = new int[volumes.volumeCount()];
                for (int i = 0; i < volumeIds.length; i++) {
                    // A fresh server honours every proposal that no other volume holds; these peers give them all.
                    volumeIds[i] = volumes.volumeId(i);
                }
                handshake.volumeIds(out, volumeIds);
                inSession = true;
            } else if (type == FrameType.STATS) {
                reports++;
            }
        }
        return status == DecodeStatus.ERROR || status == DecodeStatus.END_OF_STREAM ? -1 : reports;
    }

    void writePoll(ByteBuffer out, long pollSequence) {
        pollWriter.write(out, handshake.next(), handshake.gatewayId(), pollSequence, System.currentTimeMillis());
    }
}
