package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The per-poll frames (POLL, STATS, THROTTLE_SET, THROTTLE_ACK, HEARTBEAT) are written and read without allocating. */
class HotPathAllocationTest {
    private static final long GATEWAY = Samples.GATEWAY_ID;
    private static final int VOLUMES = 16;

    private final ByteBuffer wire = ByteBuffer.allocate(64 * 1024);
    private final StatsWriter statsWriter = new StatsWriter();
    private final ThrottleAckWriter ackWriter = new ThrottleAckWriter();
    private final HeartbeatWriter heartbeatWriter = new HeartbeatWriter();
    private final PollWriter pollWriter = new PollWriter();
    private final ThrottleSetWriter throttleWriter = new ThrottleSetWriter();
    private final StatsReader statsReader = new StatsReader();
    private final ThrottleAckReader ackReader = new ThrottleAckReader();
    private final PollReader pollReader = new PollReader();
    private final ThrottleSetReader throttleReader = new ThrottleSetReader();
    private final FrameDecoder atMonitor =
            new FrameDecoder(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 64 * 1024, GATEWAY);
    private final FrameDecoder atGateway =
            new FrameDecoder(Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 64 * 1024, GATEWAY);
    private long gatewaySequence = 1;
    private long monitorSequence = 1;

    @Test
    void pollCyclesAllocateNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long checksum = 0;
        for (int i = 0; i < 20_000; i++) {
            checksum += cycle(i);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++) {
            checksum += cycle(i);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(checksum).isNotZero();
        assertThat(allocated).as("bytes allocated by 20,000 poll cycles").isLessThan(1024);
    }

    /** One poll cycle: POLL and THROTTLE_SET out, STATS, THROTTLE_ACK and HEARTBEAT back. */
    private long cycle(int i) {
        long sum = 0;
        wire.clear();
        pollWriter.write(wire, monitorSequence++, GATEWAY, i, i);
        throttleWriter.begin(wire, monitorSequence++, GATEWAY, i, 1);
        throttleWriter.volume(0).volumeId(1).version(i + 1).iopsLimit(1000).bandwidthLimit(1 << 20);
        throttleWriter.commit();
        atGateway.feed(wire.flip());
        while (atGateway.next() == DecodeStatus.FRAME) {
            switch (atGateway.frameType()) {
                case POLL -> sum += pollReader.wrap(atGateway).pollSequence();
                case THROTTLE_SET ->
                    sum += throttleReader.wrap(atGateway).volume(0).iopsLimit();
                default -> throw new AssertionError(atGateway.frameType());
            }
        }

        wire.clear();
        statsWriter.begin(wire, gatewaySequence++, GATEWAY, false, i, i, i, 1000, VOLUMES);
        for (int v = 0; v < VOLUMES; v++) {
            statsWriter
                    .volume(v)
                    .volumeId(v)
                    .ops(IoDirection.READ, i)
                    .bytes(IoDirection.READ, 4096L * i)
                    .latencyBucket(IoDirection.READ, LatencyBuckets.bucketOf(i), 1);
        }
        statsWriter.commit();
        ackWriter.begin(wire, gatewaySequence++, GATEWAY, i, 1);
        ackWriter.result(0, 1, ThrottleAckStatus.APPLIED, i + 1);
        ackWriter.commit();
        heartbeatWriter.write(wire, gatewaySequence++, GATEWAY, i, i);
        atMonitor.feed(wire.flip());
        while (atMonitor.next() == DecodeStatus.FRAME) {
            switch (atMonitor.frameType()) {
                case STATS -> {
                    statsReader.wrap(atMonitor);
                    for (int v = 0; v < statsReader.volumeCount(); v++) {
                        sum += statsReader.volume(v).bytes(IoDirection.READ);
                    }
                }
                case THROTTLE_ACK -> sum += ackReader.wrap(atMonitor).status(0).code();
                case HEARTBEAT -> sum += atMonitor.frameLength();
                default -> throw new AssertionError(atMonitor.frameType());
            }
        }
        return sum;
    }
}
