package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameRoundTripTest {
    private static final long GATEWAY = Samples.GATEWAY_ID;

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void everyFrameTypeReadsBackWhatWasWritten(FrameType type) {
        Random random = new Random(type.code());
        for (int round = 0; round < 20; round++) {
            Samples.Sample sample = Samples.random(type, random);
            FrameDecoder decoder = decoderFor(type);
            decoder.feed(Samples.frame(sample));
            assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
            sample.verify(decoder);
            assertThat(decoder.gatewayId()).isEqualTo(GATEWAY);
            assertThat(decoder.next()).isEqualTo(DecodeStatus.NEED_MORE);
        }
    }

    @Test
    void fixedFramesHaveTheirDocumentedSizes() {
        ByteBuffer dst = ByteBuffer.allocate(4096);
        Challenge challenge = new Challenge();
        assertThat(new ChallengeWriter().write(dst, 1, GATEWAY, challenge)).isEqualTo(56);
        assertThat(new PollWriter().write(dst, 2, GATEWAY, 7, 8)).isEqualTo(40);
        assertThat(new HeartbeatWriter().write(dst, 3, GATEWAY, 7, 8)).isEqualTo(40);
        assertThat(new AuthWriter().write(dst, 4, GATEWAY, new byte[32])).isEqualTo(58);
        assertThat(new AuthResultWriter().write(dst, 5, GATEWAY, AuthOutcome.ACCEPTED, AuthReason.NONE, 1000, 0, ""))
                .isEqualTo(44);
        assertThat(new EventWriter().write(dst, 6, GATEWAY, EventKind.NEW_VOLUME, 1, 0, 0, 1, 0, 1 << 30, "v", ""))
                .isEqualTo(128);
        assertThat(dst.position()).isEqualTo(56 + 40 + 40 + 58 + 44 + 128);
        assertThat(StatsDescriptor.frameLength(1)).isEqualTo(56 + 304);
        assertThat(ThrottleSetDescriptor.frameLength(1)).isEqualTo(48 + 88);
        assertThat(StandbyDescriptor.frameLength("m:1".length())).isEqualTo(32 + 3);
        assertThat(ThrottleAckDescriptor.frameLength(1)).isEqualTo(40 + 16);
        assertThat(new HelloWriter().write(dst, 7, GATEWAY, 0, 3, "gw-1")).isEqualTo(44);
        assertThat(VolumesDescriptor.frameLength(1)).isEqualTo(28 + 80);
        assertThat(VolumeIdsDescriptor.frameLength(2)).isEqualTo(28 + 8);
    }

    @Test
    void headerIsBigEndianWithTheDocumentedFields() {
        ByteBuffer dst = ByteBuffer.allocate(64);
        new PollWriter().write(dst, 0x0102030405060708L, 0x1112131415161718L, 0x2122232425262728L, 0);
        assertThat(Arrays.copyOf(dst.array(), 32))
                .containsExactly(
                        0, 0, 0, 40, 4, 5, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                        0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28);
    }

    @Test
    void aFrameThatDoesNotFitIsNotStarted() {
        ByteBuffer dst = ByteBuffer.allocate(39);
        dst.put(0, (byte) 0x55);
        assertThat(new PollWriter().write(dst, 1, GATEWAY, 1, 1)).isZero();
        assertThat(dst.position()).isZero();
        assertThat(dst.get(0)).isEqualTo((byte) 0x55);
        assertThat(new StatsWriter()
                        .begin(
                                ByteBuffer.allocate(StatsDescriptor.frameLength(3) - 1),
                                1,
                                GATEWAY,
                                false,
                                1,
                                1,
                                0,
                                1000,
                                3))
                .isFalse();
    }

    @Test
    void writersRefuseWhatTheDecoderWouldRefuse() {
        ByteBuffer little = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> new PollWriter().write(little, 1, GATEWAY, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        ByteBuffer dst = ByteBuffer.allocate(4096);
        assertThatThrownBy(() -> new PollWriter().write(dst, 1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HelloWriter().write(dst, 1, GATEWAY, 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthResultWriter()
                        .write(
                                dst,
                                1,
                                GATEWAY,
                                AuthOutcome.PENDING,
                                AuthReason.AWAITING_APPROVAL,
                                0,
                                AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS + 1,
                                ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuthResultWriter()
                        .write(dst, 1, GATEWAY, AuthOutcome.ACCEPTED, AuthReason.REVOKED, 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EventWriter()
                        .write(dst, 1, GATEWAY, EventKind.NEW_VOLUME, 0, 0, 0, 1, 0, 0, "x".repeat(65), ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> new EventWriter().write(dst, 1, GATEWAY, EventKind.NEW_VOLUME, 0, 0, 0, 1, 4, 0, "v", ""))
                .isInstanceOf(IllegalArgumentException.class);
        ThrottleSetWriter throttle = new ThrottleSetWriter();
        assertThat(throttle.begin(dst, 1, GATEWAY, 1, 1)).isTrue();
        assertThatThrownBy(() -> throttle.volume(1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> throttle.volume(0).iopsLimit(1L << 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatsWriter().volume(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void statsReportsSplitAcrossFramesCarryTheMoreFlag() {
        ByteBuffer dst = ByteBuffer.allocate(4096);
        StatsWriter writer = new StatsWriter();
        writer.begin(dst, 1, GATEWAY, true, 42, 7, 1000, 1000, 1);
        writer.volume(0).volumeId(1);
        writer.commit();
        writer.begin(dst, 2, GATEWAY, false, 42, 7, 1000, 1000, 1);
        writer.volume(0).volumeId(2);
        writer.commit();
        FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(dst.flip());
        StatsReader reader = new StatsReader();
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(reader.wrap(decoder).hasMore()).isTrue();
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(reader.wrap(decoder).hasMore()).isFalse();
        assertThat(reader.reportSequence()).isEqualTo(42);
        assertThat(reader.volume(0).volumeId()).isEqualTo(2);
    }

    @Test
    void maxVolumesSaysWhereToSplitAReport() {
        int max = 8192;
        int perFrame = StatsDescriptor.maxVolumes(max);
        assertThat(StatsDescriptor.frameLength(perFrame)).isLessThanOrEqualTo(max);
        assertThat(StatsDescriptor.frameLength(perFrame + 1)).isGreaterThan(max);
        assertThat(StatsDescriptor.maxVolumes(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH))
                .isEqualTo(3449);
        assertThatThrownBy(() -> new StatsWriter()
                        .begin(
                                ByteBuffer.allocate(64),
                                1,
                                GATEWAY,
                                false,
                                1,
                                1,
                                0,
                                1,
                                StatsDescriptor.maxVolumes(FrameDescriptor.MAX_FRAME_LENGTH_LIMIT) + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void latencyBucketsAreLog2OfMicroseconds() {
        assertThat(LatencyBuckets.bucketOf(-5)).isZero();
        assertThat(LatencyBuckets.bucketOf(0)).isZero();
        assertThat(LatencyBuckets.bucketOf(1)).isZero();
        assertThat(LatencyBuckets.bucketOf(2)).isEqualTo(1);
        assertThat(LatencyBuckets.bucketOf(3)).isEqualTo(1);
        assertThat(LatencyBuckets.bucketOf(1000)).isEqualTo(9);
        assertThat(LatencyBuckets.bucketOf(1L << 23)).isEqualTo(23);
        assertThat(LatencyBuckets.bucketOf(Long.MAX_VALUE)).isEqualTo(23);
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            assertThat(LatencyBuckets.bucketOf(LatencyBuckets.lowerBoundMicros(b)))
                    .isEqualTo(b);
        }
    }

    @Test
    void bucketCountsSaturateInsteadOfWrapping() {
        ByteBuffer dst = ByteBuffer.allocate(4096);
        StatsWriter writer = new StatsWriter();
        writer.begin(dst, 1, GATEWAY, false, 1, 1, 0, 1000, 1);
        assertThat(writer.volume(0)
                        .latencyBucket(IoDirection.WRITE, 3, 1L << 40)
                        .latencyBucket(IoDirection.WRITE, 3))
                .isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void capabilitiesAreBits() {
        long announced = Capabilities.SPLIT_READ_WRITE | Capabilities.WEIGHT;
        assertThat(Capabilities.has(announced, Capabilities.WEIGHT)).isTrue();
        assertThat(Capabilities.has(announced, Capabilities.BURST)).isFalse();
        assertThat(List.of(
                        Capabilities.SPLIT_READ_WRITE,
                        Capabilities.BURST,
                        Capabilities.SIZE_NORMALIZATION,
                        Capabilities.RESERVATION,
                        Capabilities.WEIGHT,
                        Capabilities.LATENCY_TARGET))
                .allMatch(bit -> Long.bitCount(bit) == 1)
                .doesNotHaveDuplicates();
    }

    static FrameDecoder decoderFor(FrameType type) {
        return new FrameDecoder(
                type.isSentBy(Peer.GATEWAY) ? Peer.GATEWAY : Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
    }
}
