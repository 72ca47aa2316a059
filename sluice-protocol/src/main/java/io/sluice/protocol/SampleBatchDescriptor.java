package io.sluice.protocol;

/**
 * Parameters of {@link MailboxOpcodes#DB_APPEND_SAMPLES}: one batch of per-second performance samples that the SLA
 * services hand to the database manager.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        batch id: unique per caller over its life (a restarted |  0
 *  |        caller continues above the last id it stored)          |
 *  +-------------------------------+-------------------------------+
 *  |        sample count           |   reserved (0)                |  8
 *  +-------------------------------+-------------------------------+
 *  |        samples: count x 168 bytes                             | 16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The batch id makes a batch idempotent: the database manager stores it in the same transaction as the samples and
 * answers {@link CallStatus#OK} without storing again when it sees the id a second time (the mailbox redelivers an
 * idempotent call whose callee died mid-call).
 *
 * <h2>Sample (168 bytes): one volume, one direction, one interval</h2>
 *
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |        volume id              |   direction (0 read, 1 write) |  0
 *  +-------------------------------+-------------------------------+
 *  |        gateway id                                             |  8
 *  +---------------------------------------------------------------+
 *  |        interval start, epoch ms                               | 16
 *  +-------------------------------+-------------------------------+
 *  |        interval length, ms    |   queue depth at the end      | 24
 *  +-------------------------------+-------------------------------+
 *  |        operations completed                                   | 32
 *  |        bytes transferred                                      | 40
 *  |        operations the throttle held back                      | 48
 *  |        sum of latencies, us                                   | 56
 *  |        IOPS limit in force (0 = unlimited)                    | 64
 *  +---------------------------------------------------------------+
 *  |        latency histogram: 24 x 32-bit counts                  | 72
 *  |        (the buckets of {@link LatencyBuckets})                |
 *  +---------------------------------------------------------------+ 168
 * </pre>
 *
 * Latency percentiles of a rollup are computed from the summed histograms, never averaged.
 */
public final class SampleBatchDescriptor {
    public static final int BATCH_ID_OFFSET = 0;
    public static final int COUNT_OFFSET = 8;
    public static final int SAMPLES_OFFSET = 16;

    public static final int VOLUME_ID_OFFSET = 0;
    public static final int DIRECTION_OFFSET = 4;
    public static final int GATEWAY_ID_OFFSET = 8;
    public static final int INTERVAL_START_OFFSET = 16;
    public static final int INTERVAL_LENGTH_OFFSET = 24;
    public static final int QUEUE_DEPTH_OFFSET = 28;
    public static final int OPS_OFFSET = 32;
    public static final int BYTES_OFFSET = 40;
    public static final int THROTTLED_OPS_OFFSET = 48;
    public static final int LATENCY_SUM_OFFSET = 56;
    public static final int IOPS_LIMIT_OFFSET = 64;
    public static final int BUCKETS_OFFSET = 72;
    public static final int SAMPLE_LENGTH = BUCKETS_OFFSET + LatencyBuckets.COUNT * 4;

    private SampleBatchDescriptor() {}

    public static int batchLength(int samples) {
        return SAMPLES_OFFSET + samples * SAMPLE_LENGTH;
    }

    /** How many samples fit in a parameter region of {@code capacity} bytes. */
    public static int maxSamples(int capacity) {
        return Math.max(0, (capacity - SAMPLES_OFFSET) / SAMPLE_LENGTH);
    }

    public static int sampleOffset(int index) {
        return SAMPLES_OFFSET + index * SAMPLE_LENGTH;
    }
}
