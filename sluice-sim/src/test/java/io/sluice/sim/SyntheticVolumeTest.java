package io.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.Peer;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.ThrottleSetWriter;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The storage model alone: reports written and read back through the real STATS codec, no sockets. */
class SyntheticVolumeTest {
    private static final int INTERVAL = 1_000;
    /** 2,000 IOPS, 70% reads, 4 KiB, half of a 100 GiB backend used. */
    private static final VolumeProfile PROFILE = TestSims.STEADY.withUsed(0.5);

    @Test
    void unthrottledVolumeRunsAtItsDemandWithBaseLatency() {
        SyntheticVolume volume = new SyntheticVolume(1, "v", PROFILE, 7);
        assertThat(volume.demandIops()).isCloseTo(2_000, within(1e-6));
        assertThat(volume.blockSize()).isEqualTo(4096);
        VolumeStatsFlyweight record = report(volume);

        long ops = record.ops(IoDirection.READ) + record.ops(IoDirection.WRITE);
        assertThat((double) ops).isCloseTo(2_000, within(2_000 * 0.03));
        assertThat((double) record.ops(IoDirection.READ) / ops).isCloseTo(0.7, within(0.01));
        assertThat(record.bytes(IoDirection.WRITE)).isEqualTo(record.ops(IoDirection.WRITE) * 4096);
        assertThat(record.throttledOps(IoDirection.READ)).isZero();
        assertThat(record.throttledNanos(IoDirection.WRITE)).isZero();
        assertThat(record.queueDepth()).isZero();
        assertThat(record.throttleVersion()).isZero();
        assertThat(meanMicros(record, IoDirection.READ)).isEqualTo(152);
        assertThat(histogramTotal(record, IoDirection.READ)).isEqualTo(record.ops(IoDirection.READ));
    }

    @Test
    void throttledVolumeGetsItsLimitAndWaitsLonger() {
        SyntheticVolume volume = new SyntheticVolume(1, "v", PROFILE, 7);
        assertThat(apply(volume, p -> p.version(1).iopsLimit(500))).isEqualTo(ThrottleAckStatus.APPLIED);
        VolumeStatsFlyweight record = report(volume);

        long ops = record.ops(IoDirection.READ) + record.ops(IoDirection.WRITE);
        assertThat(ops).isBetween(498L, 500L);
        assertThat(record.throttleVersion()).isEqualTo(1);
        assertThat(record.throttledOps(IoDirection.READ)).isEqualTo(record.ops(IoDirection.READ));
        assertThat(record.throttledNanos(IoDirection.READ)).isPositive();
        assertThat(record.queueDepth()).isBetween(20, SyntheticVolume.APPLICATION_QUEUE_DEPTH);
        // Four times the demand the limit allows: four times the latency, two buckets further right.
        assertThat((double) meanMicros(record, IoDirection.READ)).isCloseTo(4 * 152, within(4 * 152 * 0.05));
        assertThat(peakBucket(record, IoDirection.READ)).isEqualTo(LatencyBuckets.bucketOf(152) + 2);
        assertThat(histogramTotal(record, IoDirection.READ)).isEqualTo(record.ops(IoDirection.READ));
    }

    @Test
    void moreThrottlingMeansMoreHeldTime() {
        long previous = -1;
        for (long limit : new long[] {4_000, 1_500, 1_000, 500, 100}) {
            SyntheticVolume volume = new SyntheticVolume(1, "v", PROFILE, 7);
            apply(volume, p -> p.version(1).iopsLimit(limit));
            VolumeStatsFlyweight record = report(volume);
            long perOp = record.throttledNanos(IoDirection.WRITE) / Math.max(1, record.ops(IoDirection.WRITE));
            assertThat(perOp).as("held ns per op at %d IOPS", limit).isGreaterThan(previous);
            previous = perOp;
        }
    }

    @Test
    void perDirectionAndBandwidthLimitsCapTheirOwnDirection() {
        SyntheticVolume reads = new SyntheticVolume(1, "v", PROFILE, 7);
        apply(reads, p -> p.version(1).readIopsLimit(100));
        VolumeStatsFlyweight record = report(reads);
        assertThat(record.ops(IoDirection.READ)).isBetween(99L, 100L);
        assertThat(record.throttledOps(IoDirection.WRITE)).isZero();

        SyntheticVolume bandwidth = new SyntheticVolume(1, "v", PROFILE, 7);
        apply(bandwidth, p -> p.version(1).bandwidthLimit(1 << 20));
        record = report(bandwidth);
        assertThat(record.bytes(IoDirection.READ) + record.bytes(IoDirection.WRITE))
                .isBetween((1L << 20) - 8192, 1L << 20);

        SyntheticVolume normalized = new SyntheticVolume(1, "v", PROFILE, 7);
        apply(normalized, p -> p.version(1).iopsLimit(1_000).sizeNormalizationBytes(1024));
        record = report(normalized);
        assertThat(record.ops(IoDirection.READ) + record.ops(IoDirection.WRITE)).isBetween(248L, 250L);
    }

    @Test
    void setsApplyOnlyWhenNewerAndConsistent() {
        SyntheticVolume volume = new SyntheticVolume(1, "v", PROFILE, 7);
        assertThat(apply(volume, p -> p.version(5).iopsLimit(300))).isEqualTo(ThrottleAckStatus.APPLIED);
        assertThat(apply(volume, p -> p.version(5).iopsLimit(900))).isEqualTo(ThrottleAckStatus.ALREADY_APPLIED);
        assertThat(apply(volume, p -> p.version(4).iopsLimit(900))).isEqualTo(ThrottleAckStatus.STALE);
        assertThat(apply(volume, p -> p.version(6).iopsLimit(100).reservedIops(200)))
                .isEqualTo(ThrottleAckStatus.INVALID);
        assertThat(apply(volume, p -> p.version(6).iopsLimit(100).latencyTargetMicros(2_000)))
                .as("refused as a real gateway refuses it: not among the announced capabilities")
                .isEqualTo(ThrottleAckStatus.UNSUPPORTED);
        assertThat(volume.version()).isEqualTo(5);
        assertThat(volume.iopsLimit()).isEqualTo(300);
        assertThat(apply(volume, p -> p.version(6).iopsLimit(400).readIopsLimit(100)))
                .as("a total with a per-direction ceiling, as a real gateway takes it")
                .isEqualTo(ThrottleAckStatus.APPLIED);
        assertThat(volume.iopsLimit()).isEqualTo(400);
        assertThat(apply(volume, p -> p.version(7))).isEqualTo(ThrottleAckStatus.APPLIED);
        assertThat(volume.iopsLimit())
                .as("a set replaces every parameter: 0 is no limit")
                .isZero();
    }

    @Test
    void backendFillsWithWritesAndWarnsOnce() {
        SyntheticVolume volume = new SyntheticVolume(1, "v", PROFILE.withUsed(0.8999999), 7);
        long before = volume.usedBytes();
        assertThat(volume.takeCapacityWarning()).isFalse();
        VolumeStatsFlyweight record = report(volume);
        assertThat(record.usedBytes()).isGreaterThan(before).isEqualTo(volume.usedBytes());
        assertThat(record.capacityBytes()).isEqualTo(100L << 30);
        assertThat(volume.takeCapacityWarning()).isTrue();
        assertThat(volume.takeCapacityWarning()).isFalse();
    }

    private static ThrottleAckStatus apply(SyntheticVolume volume, Consumer<ThrottleParamsFlyweight> params) {
        ByteBuffer frame = ByteBuffer.allocate(1024);
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(frame, 1, 1, 1, 1);
        params.accept(writer.volume(0).volumeId(volume.volumeId()));
        writer.commit();
        return volume.apply(new ThrottleSetReader().wrap(frame, 0).volume(0));
    }

    private static VolumeStatsFlyweight report(SyntheticVolume volume) {
        ByteBuffer frame = ByteBuffer.allocate(1024);
        StatsWriter writer = new StatsWriter();
        writer.begin(frame, 1, 1, false, 1, 1, 0, INTERVAL, 1);
        volume.report(writer.volume(0), INTERVAL);
        writer.commit();
        FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(frame.flip());
        assertThat(decoder.next()).as("the report is a well-formed STATS").hasToString("FRAME");
        return new StatsReader().wrap(decoder).volume(0);
    }

    private static long meanMicros(VolumeStatsFlyweight record, IoDirection direction) {
        return record.latencySumMicros(direction) / record.ops(direction);
    }

    private static long histogramTotal(VolumeStatsFlyweight record, IoDirection direction) {
        long total = 0;
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            total += record.latencyBucket(direction, b);
        }
        return total;
    }

    private static int peakBucket(VolumeStatsFlyweight record, IoDirection direction) {
        int peak = 0;
        for (int b = 1; b < LatencyBuckets.COUNT; b++) {
            if (record.latencyBucket(direction, b) > record.latencyBucket(direction, peak)) {
                peak = b;
            }
        }
        return peak;
    }
}
