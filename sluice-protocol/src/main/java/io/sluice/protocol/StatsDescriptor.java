package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * STATS: what a gateway measured per volume over one report interval, usually in answer to POLL.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 6                 |  0
 *  +---------------------------------------------------------------+
 *  |        report sequence: +1 per report over the gateway's life | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        poll sequence answered (0 = unsolicited)               | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        interval start, epoch ms (gateway clock)               | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        interval length, ms                                    | 48
 *  +---------------------------------------------------------------+
 *  |        volume count                                           | 52
 *  +---------------------------------------------------------------+
 *  |        volume records: count x 304 bytes                      | 56
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The report sequence, unlike the frame sequence, survives reconnects: it is how the monitor sees that a report was
 * lost (a jump) or sent twice (a repeat) when a gateway reconnects and resends. When a report has more volumes than fit
 * in one frame it is split across consecutive STATS frames with the same report sequence, all but the last flagged
 * {@link FrameDescriptor#FLAG_MORE}.
 *
 * <h2>Volume record (304 bytes)</h2>
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |        volume id                                              |  0
 *  +---------------------------------------------------------------+
 *  |        queue depth: I/Os held by the scheduler at report time |  4
 *  +---------------------------------------------------------------+
 *  |        throttle version in force (0 = none yet)               |  8
 *  +---------------------------------------------------------------+
 *  |        backend capacity, bytes                                | 16
 *  +---------------------------------------------------------------+
 *  |        backend used, bytes                                    | 24
 *  +---------------------------------------------------------------+
 *  |        read counters (136 bytes)                              | 32
 *  +---------------------------------------------------------------+
 *  |        write counters (136 bytes)                             | 168
 *  +---------------------------------------------------------------+ 304
 * </pre>
 *
 * Reporting the throttle version in force tells the analyzer which parameters produced these numbers, and shows a
 * gateway that restarted with old parameters so the monitor can send them again.
 *
 * <h2>Counters for one direction (136 bytes; all counts over the interval)</h2>
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |        operations completed                                   |  0
 *  |        bytes transferred                                      |  8
 *  |        operations the throttle held back at least once        | 16
 *  |        time operations spent held by the throttle, ns         | 24
 *  |        sum of latencies, us (for the mean)                    | 32
 *  +---------------------------------------------------------------+
 *  |        latency histogram: 24 x 32-bit counts                  | 40
 *  |        bucket 0 = [0, 2) us, bucket b = [2^b, 2^(b+1)) us,    |
 *  |        bucket 23 = 2^23 us (8.4 s) and more                   |
 *  +---------------------------------------------------------------+ 136
 * </pre>
 *
 * Fixed log2 buckets are coarse (each spans a factor of two) but cost 96 bytes, merge by addition, and answer "how many
 * I/Os were slower than the SLA's target" to within one bucket. {@link LatencyBuckets} maps a latency to its bucket.
 */
public final class StatsDescriptor {
    public static final int REPORT_SEQUENCE_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int POLL_SEQUENCE_OFFSET = REPORT_SEQUENCE_OFFSET + 8;
    public static final int INTERVAL_START_OFFSET = POLL_SEQUENCE_OFFSET + 8;
    public static final int INTERVAL_LENGTH_OFFSET = INTERVAL_START_OFFSET + 8;
    public static final int VOLUME_COUNT_OFFSET = INTERVAL_LENGTH_OFFSET + 4;
    public static final int VOLUMES_OFFSET = VOLUME_COUNT_OFFSET + 4;

    public static final int VOLUME_ID_OFFSET = 0;
    public static final int QUEUE_DEPTH_OFFSET = 4;
    public static final int THROTTLE_VERSION_OFFSET = 8;
    public static final int CAPACITY_OFFSET = 16;
    public static final int USED_OFFSET = 24;
    public static final int READ_OFFSET = 32;

    public static final int OPS_OFFSET = 0;
    public static final int BYTES_OFFSET = 8;
    public static final int THROTTLED_OPS_OFFSET = 16;
    public static final int THROTTLED_NANOS_OFFSET = 24;
    public static final int LATENCY_SUM_OFFSET = 32;
    public static final int BUCKETS_OFFSET = 40;
    public static final int DIRECTION_LENGTH = BUCKETS_OFFSET + LatencyBuckets.COUNT * 4;

    public static final int WRITE_OFFSET = READ_OFFSET + DIRECTION_LENGTH;
    public static final int VOLUME_RECORD_LENGTH = WRITE_OFFSET + DIRECTION_LENGTH;

    private StatsDescriptor() {}

    public static int frameLength(int volumeCount) {
        return VOLUMES_OFFSET + volumeCount * VOLUME_RECORD_LENGTH;
    }

    /** How many volume records fit in a frame of at most {@code maxFrameLength} bytes. */
    public static int maxVolumes(int maxFrameLength) {
        return (maxFrameLength - VOLUMES_OFFSET) / VOLUME_RECORD_LENGTH;
    }

    public static int volumeOffset(int index) {
        return VOLUMES_OFFSET + index * VOLUME_RECORD_LENGTH;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        return frameLength >= VOLUMES_OFFSET
                && VOLUMES_OFFSET + (buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL) * VOLUME_RECORD_LENGTH
                        == frameLength;
    }
}
