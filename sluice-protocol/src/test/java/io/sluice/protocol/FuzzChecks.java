package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

/**
 * What must hold for any bytes whatsoever: the decoder never throws, a frame it returns lies within its buffer and
 * within the maximum length, every getter of that frame's reader stays inside the frame, and the first error is final.
 */
final class FuzzChecks {
    private FuzzChecks() {}

    /** Feeds {@code data} in pieces of {@code chunk} bytes, then ends the stream; the last status. */
    static DecodeStatus decodeAll(FrameDecoder decoder, byte[] data, int chunk) {
        ByteBuffer source = ByteBuffer.wrap(data);
        DecodeStatus status = DecodeStatus.NEED_MORE;
        while (source.hasRemaining()) {
            ByteBuffer piece = source.slice(source.position(), Math.min(chunk, source.remaining()));
            source.position(source.position() + piece.remaining());
            while (piece.hasRemaining()) {
                int taken = decoder.feed(piece);
                status = drain(decoder);
                if (status == DecodeStatus.ERROR) {
                    assertThat(decoder.feed(piece)).isZero();
                    assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
                    return status;
                }
                assertThat(taken > 0 || status != DecodeStatus.NEED_MORE)
                        .as("the decoder makes progress")
                        .isTrue();
            }
        }
        decoder.endOfStream();
        status = drain(decoder);
        assertThat(status).isIn(DecodeStatus.END_OF_STREAM, DecodeStatus.ERROR);
        return status;
    }

    private static DecodeStatus drain(FrameDecoder decoder) {
        DecodeStatus status;
        while ((status = decoder.next()) == DecodeStatus.FRAME) {
            readEverything(decoder);
        }
        if (status == DecodeStatus.ERROR) {
            assertThat(decoder.error()).isNotNull();
        }
        return status;
    }

    /** Reads every field of the decoder's current frame through its reader, within the frame's bounds. */
    static void readEverything(FrameDecoder decoder) {
        assertThat(decoder.frameLength()).isBetween(FrameDescriptor.HEADER_LENGTH, decoder.maxFrameLength());
        // Readers see only the frame: anything past its end would throw.
        ByteBuffer frame = decoder.buffer().slice(decoder.frameOffset(), decoder.frameLength());
        switch (decoder.frameType()) {
            case HELLO -> {
                HelloReader r = new HelloReader().wrap(frame, 0);
                r.capabilities();
                r.volumeCount();
                assertThat(r.gatewayName()).isNotEmpty();
            }
            case VOLUMES -> {
                VolumesReader r = new VolumesReader().wrap(frame, 0);
                for (int i = 0; i < r.volumeCount(); i++) {
                    r.volumeId(i);
                    r.volumeFlags(i);
                    r.volumeCapacity(i);
                    assertThat(r.volumeName(i)).isNotEmpty();
                }
            }
            case VOLUME_IDS -> {
                VolumeIdsReader r = new VolumeIdsReader().wrap(frame, 0);
                for (int i = 0; i < r.volumeCount(); i++) {
                    r.volumeId(i);
                }
            }
            case CHALLENGE ->
                assertThat(new ChallengeReader().wrap(frame, 0).nonce()).hasSize(32);
            case AUTH -> {
                AuthReader r = new AuthReader().wrap(frame, 0);
                assertThat(r.answerOffset() + AuthDescriptor.ANSWER_LENGTH).isLessThanOrEqualTo(frame.limit());
                r.enrollmentToken();
            }
            case AUTH_RESULT -> {
                AuthResultReader r = new AuthResultReader().wrap(frame, 0);
                assertThat(r.outcome()).isNotNull();
                assertThat(r.reason()).isNotNull();
                r.pollIntervalMillis();
                assertThat(r.retryAfterMillis()).isBetween(0, AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS);
                assertThat(r.epoch()).isNotNegative();
                r.message();
            }
            case STANDBY -> {
                StandbyReader r = new StandbyReader().wrap(frame, 0);
                assertThat(r.retryAfterMillis()).isBetween(0, AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS);
                if (r.namesActive()) {
                    assertThat(r.activeAddress().getPort()).isBetween(1, 65_535);
                }
            }
            case POLL -> {
                PollReader r = new PollReader().wrap(frame, 0);
                r.pollSequence();
                r.monitorTimeMillis();
            }
            case STATS -> {
                StatsReader r = new StatsReader().wrap(frame, 0);
                r.reportSequence();
                r.pollSequence();
                r.intervalStartMillis();
                r.intervalMillis();
                r.hasMore();
                for (int i = 0; i < r.volumeCount(); i++) {
                    VolumeStatsFlyweight v = r.volume(i);
                    v.volumeId();
                    v.queueDepth();
                    v.throttleVersion();
                    v.capacityBytes();
                    v.usedBytes();
                    for (IoDirection d : IoDirection.values()) {
                        v.ops(d);
                        v.bytes(d);
                        v.throttledOps(d);
                        v.throttledNanos(d);
                        v.latencySumMicros(d);
                        v.latencyBucket(d, LatencyBuckets.COUNT - 1);
                    }
                }
            }
            case THROTTLE_SET -> {
                ThrottleSetReader r = new ThrottleSetReader().wrap(frame, 0);
                r.commandId();
                assertThat(r.epoch()).isNotNegative();
                for (int i = 0; i < r.volumeCount(); i++) {
                    ThrottleParamsFlyweight p = r.volume(i);
                    assertThat(p.version()).isNotZero();
                    p.volumeId();
                    p.burstBandwidth();
                    p.latencyTargetMicros();
                }
            }
            case THROTTLE_ACK -> {
                ThrottleAckReader r = new ThrottleAckReader().wrap(frame, 0);
                r.commandId();
                for (int i = 0; i < r.volumeCount(); i++) {
                    r.volumeId(i);
                    assertThat(r.status(i)).isNotNull();
                    r.versionInForce(i);
                }
            }
            case HEARTBEAT -> {
                HeartbeatReader r = new HeartbeatReader().wrap(frame, 0);
                r.sentAtMillis();
                r.echoMillis();
            }
            case EVENT -> {
                EventReader r = new EventReader().wrap(frame, 0);
                assertThat(r.kind()).isNotNull();
                r.occurredAtMillis();
                r.errorCode();
                r.usedBytes();
                r.volumeId();
                r.volumeFlags();
                r.volumeCapacity();
                assertThat(r.volumeName()).isNotEmpty();
                r.message();
            }
            case ENROLL -> {
                EnrollReader r = new EnrollReader().wrap(frame, 0);
                assertThat(r.enrollmentToken()).isNotEmpty();
                assertThat(r.request()).isNotEmpty();
            }
            case RENEW -> assertThat(new RenewReader().wrap(frame, 0).request()).isNotEmpty();
            case CERTIFICATE -> {
                CertificateReader r = new CertificateReader().wrap(frame, 0);
                assertThat(r.certificate().length > 0).isEqualTo(r.reason() == AuthReason.NONE);
            }
        }
    }
}
