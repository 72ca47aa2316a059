package io.sluice.db.store;

import io.sluice.protocol.SampleBatchDescriptor;

/**
 * The {@code body} of a {@code minute_samples} row: one volume's samples of one minute, both directions, each in the
 * layout of {@link SampleBatchDescriptor}'s samples, so the header has the size and count position of a batch's and a
 * {@link io.sluice.protocol.SampleBatchFlyweight} can read the samples in place.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        minute start, epoch ms                                 |  0
 *  +-------------------------------+-------------------------------+
 *  |        sample count           |   reserved (0)                |  8
 *  +-------------------------------+-------------------------------+
 *  |        samples: count x 168 bytes, in arrival order           | 16
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class MinuteSamplesDescriptor {
    public static final int MINUTE_OFFSET = 0;
    public static final int COUNT_OFFSET = SampleBatchDescriptor.COUNT_OFFSET;
    public static final int SAMPLES_OFFSET = SampleBatchDescriptor.SAMPLES_OFFSET;
    public static final int SAMPLE_LENGTH = SampleBatchDescriptor.SAMPLE_LENGTH;
    public static final long MINUTE_MILLIS = 60_000L;

    private MinuteSamplesDescriptor() {}

    public static int length(int samples) {
        return SAMPLES_OFFSET + samples * SAMPLE_LENGTH;
    }

    public static int sampleOffset(int index) {
        return SAMPLES_OFFSET + index * SAMPLE_LENGTH;
    }

    /** The start of the minute holding {@code t}. */
    public static long minuteOf(long t) {
        return Math.floorDiv(t, MINUTE_MILLIS) * MINUTE_MILLIS;
    }
}
