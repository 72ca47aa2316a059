package io.sluice.monitor;

import io.sluice.pki.TlsChannel;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.AuthResultReader;
import io.sluice.protocol.AuthWriter;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.CertificateReader;
import io.sluice.protocol.ChallengeReader;
import io.sluice.protocol.DecodeStatus;
import io.sluice.protocol.EnrollWriter;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.HelloWriter;
import io.sluice.protocol.Peer;
import io.sluice.protocol.PollReader;
import io.sluice.protocol.RenewWriter;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleAckWriter;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsReader;
import io.sluice.protocol.VolumesWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;

/** A gateway driven by hand from a test, over a blocking socket, one frame at a time. */
final class TestGateway implements AutoCloseable {
    /** What its HELLO says its scheduler enforces: the monitor passes it on to the services with its volumes. */
    static final long CAPABILITIES = Capabilities.SPLIT_READ_WRITE | Capabilities.WEIGHT;

    final long id;
    final SocketChannel channel;
    /** The channel, or TLS over it. */
    final ByteChannel link;

    final FrameDecoder decoder = new FrameDecoder(Peer.MONITOR, 1 << 20);
    final ByteBuffer out = ByteBuffer.allocate(1 << 20);
    long sequence = 1;
    long reports;
    /** Volumes the HELLO announces, ids 1..n. */
    int helloVolumes = 1;
    /** What VOLUMES calls the volumes: this and their position from 1. */
    String volumeNamePrefix = "vol-";
    /** The first this many volumes are flagged shared (VolumeDescriptor.FLAG_SHARED). */
    int sharedVolumes;
    /** The reason of the last AUTH_RESULT. */
    AuthReason lastReason;
    /** The fencing epoch of the last AUTH_RESULT. */
    long lastEpoch;
    /** The volume ids the last VOLUME_IDS assigned, in VOLUMES' order. */
    int[] assignedIds = new int[0];
    /** The volume its reports name; 0: the first the monitor assigned it. */
    int reportedVolumeId;

    TestGateway(InetSocketAddress monitor, long id) throws IOException {
        this.id = id;
        this.channel = SocketChannel.open(monitor);
        this.link = channel;
    }

    /** A gateway that speaks TLS with {@code tls}'s certificate; the handshake is done when this returns. */
    TestGateway(InetSocketAddress monitor, long id, SSLContext tls) throws IOException {
        this.id = id;
        this.channel = SocketChannel.open(monitor);
        TlsChannel tlsChannel =
                new TlsChannel(channel, TlsContexts.clientEngine(tls, "127.0.0.1", monitor.getPort()), null);
        while (tlsChannel.handshake() != TlsChannel.Handshake.DONE) {
            // a blocking channel: each step waits for the monitor
        }
        this.link = tlsChannel;
    }

    /** HELLO, answer the challenge with {@code key}, and return the monitor's verdict. */
    AuthOutcome handshake(byte[] key, byte[] token) throws IOException {
        out.clear();
        new HelloWriter().write(out, sequence++, id, CAPABILITIES, helloVolumes, "gw-" + id);
        send();
        expect(FrameType.CHALLENGE);
        byte[] nonce = new ChallengeReader().wrap(decoder).nonce();
        out.clear();
        new AuthWriter().write(out, sequence++, id, Authenticator.answer(key, id, nonce), token);
        send();
        expect(FrameType.AUTH_RESULT);
        AuthResultReader result = new AuthResultReader().wrap(decoder);
        lastReason = result.reason();
        lastEpoch = result.epoch();
        AuthOutcome outcome = result.outcome();
        if (outcome == AuthOutcome.ACCEPTED) {
            sendVolumes();
            expect(FrameType.VOLUME_IDS);
            VolumeIdsReader ids = new VolumeIdsReader().wrap(decoder);
            assignedIds = new int[ids.volumeCount()];
            for (int i = 0; i < assignedIds.length; i++) {
                assignedIds[i] = ids.volumeId(i);
            }
        }
        return outcome;
    }

    /** What the monitor answered a certificate request with: CERTIFICATE (a certificate or a reason) or AUTH_RESULT. */
    record CertificateAnswer(FrameType frame, AuthReason reason, byte[] certificate) {}

    /** HELLO, then ENROLL answering the challenge with {@code key}, presenting {@code token} and {@code request}. */
    CertificateAnswer enroll(byte[] key, byte[] token, byte[] request) throws IOException {
        out.clear();
        new HelloWriter().write(out, sequence++, id, CAPABILITIES, helloVolumes, "gw-" + id);
        send();
        expect(FrameType.CHALLENGE);
        byte[] nonce = new ChallengeReader().wrap(decoder).nonce();
        out.clear();
        new EnrollWriter().write(out, sequence++, id, Authenticator.answer(key, id, nonce), token, request);
        send();
        return certificateAnswer();
    }

    /** RENEW in session; the answer, with polls and throttle sets that come first answered. */
    CertificateAnswer renew(byte[] request) throws IOException {
        out.clear();
        new RenewWriter().write(out, sequence++, id, request);
        send();
        return certificateAnswer();
    }

    private CertificateAnswer certificateAnswer() throws IOException {
        while (true) {
            DecodeStatus status = decoder.next();
            if (status == DecodeStatus.FRAME) {
                if (decoder.frameType() == FrameType.CERTIFICATE) {
                    CertificateReader answer = new CertificateReader().wrap(decoder);
                    return new CertificateAnswer(FrameType.CERTIFICATE, answer.reason(), answer.certificate());
                }
                if (decoder.frameType() == FrameType.AUTH_RESULT) {
                    return new CertificateAnswer(
                            FrameType.AUTH_RESULT,
                            new AuthResultReader().wrap(decoder).reason(),
                            new byte[0]);
                }
                answer();
                continue;
            }
            if (status != DecodeStatus.NEED_MORE) {
                throw new IOException("connection ended: " + status + " " + decoder.error());
            }
            if (decoder.readFrom(link) < 0) {
                decoder.endOfStream();
            }
        }
    }

    /**
     * VOLUMES with {@link #helloVolumes} volumes, ids 1..n, named vol-1..vol-n (or another {@link #volumeNamePrefix}).
     */
    void sendVolumes() throws IOException {
        VolumesWriter volumes = new VolumesWriter();
        out.clear();
        volumes.begin(out, sequence++, id, helloVolumes);
        for (int i = 0; i < helloVolumes; i++) {
            volumes.volume(
                    i,
                    i + 1,
                    i < sharedVolumes ? VolumeDescriptor.FLAG_SHARED : 0,
                    1L << 30,
                    volumeNamePrefix + (i + 1));
        }
        volumes.commit();
        send();
    }

    AuthOutcome handshake(byte[] secret) throws IOException {
        return handshake(GatewayKeys.derive(secret, id), new byte[0]);
    }

    /** Why the monitor ended the connection, for assertion messages. */
    static String describe(MonitorDaemon daemon) {
        return "recent close reasons: " + daemon.recentCloseReasons();
    }

    /** Reads frames until one of {@code type} arrives, answering polls and throttle sets on the way. */
    FrameType expect(FrameType type) throws IOException {
        while (true) {
            DecodeStatus status = decoder.next();
            if (status == DecodeStatus.FRAME) {
                if (decoder.frameType() == type) {
                    return type;
                }
                answer();
                continue;
            }
            if (status != DecodeStatus.NEED_MORE) {
                throw new IOException("connection ended: " + status + " " + decoder.error());
            }
            if (decoder.readFrom(link) < 0) {
                decoder.endOfStream();
            }
        }
    }

    /** Answers the frame just decoded the way a healthy gateway would. */
    void answer() throws IOException {
        switch (decoder.frameType()) {
            case POLL -> answerPoll(new PollReader().wrap(decoder).pollSequence());
            case THROTTLE_SET -> acknowledge();
            default -> {}
        }
    }

    void answerPoll(long pollSequence) throws IOException {
        StatsWriter stats = new StatsWriter();
        out.clear();
        stats.begin(out, sequence++, id, false, ++reports, pollSequence, System.currentTimeMillis(), 1000, 1);
        stats.volume(0)
                .volumeId(reportedVolumeId != 0 ? reportedVolumeId : assignedIds.length > 0 ? assignedIds[0] : 1);
        stats.commit();
        send();
    }

    void acknowledge() throws IOException {
        ThrottleSetReader set = new ThrottleSetReader().wrap(decoder);
        ThrottleAckWriter ack = new ThrottleAckWriter();
        out.clear();
        ack.begin(out, sequence++, id, set.commandId(), set.volumeCount());
        for (int i = 0; i < set.volumeCount(); i++) {
            ack.result(
                    i,
                    set.volume(i).volumeId(),
                    ThrottleAckStatus.APPLIED,
                    set.volume(i).version());
        }
        ack.commit();
        send();
    }

    void sendRaw(byte[] bytes) throws IOException {
        link.write(ByteBuffer.wrap(bytes));
    }

    private void send() throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            link.write(out);
        }
    }

    /** Sends HELLO, as a gateway opens every connection. */
    void hello() throws IOException {
        out.clear();
        new HelloWriter().write(out, sequence++, id, CAPABILITIES, helloVolumes, "gw-" + id);
        send();
    }

    /** Sends HELLO as a gateway would, then true once the monitor has closed the connection instead of answering it. */
    boolean closedAfterHandshake() {
        try {
            hello();
        } catch (IOException e) {
            return true;
        }
        return closedByMonitor();
    }

    /** True once the monitor has closed the connection (reads until end of stream or a failure). */
    boolean closedByMonitor() {
        try {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (true) {
                int n = link.read(sink);
                if (n < 0) {
                    return true;
                }
                sink.clear();
            }
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        link.close();
    }
}
