package io.sluice.db.mailbox;

import io.sluice.protocol.CallStatus;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import java.nio.ByteBuffer;

/**
 * Checks a DB_APPEND_SAMPLES request before it is queued, so a garbled batch is refused up front and
 * never reaches the database or the journal. One instance per mailbox thread; allocates nothing.
 */
final class BatchCheck {
    /** Longest interval a sample may cover: a gateway polled less often than hourly is not sampling. */
    static final int MAX_INTERVAL_MILLIS = 3_600_000;
    private final SampleBatchFlyweight batch = new SampleBatchFlyweight();
    private final int maxSamples;
    private String problem;

    BatchCheck(int maxSamples) {
        this.maxSamples = maxSamples;
    }

    /** OK, or the CallStatus to refuse with ({@link #problem()} says why). */
    int check(ByteBuffer buffer, int length) {
        if (length < SampleBatchDescriptor.SAMPLES_OFFSET) {
            return refuse(CallStatus.INVALID, "a batch needs its 16-byte header, got " + length + " bytes");
        }
        batch.wrap(buffer, 0);
        long count = batch.count() & 0xFFFF_FFFFL;
        if (count > maxSamples) {
            return refuse(CallStatus.TOO_LARGE, "a batch holds at most " + maxSamples + " samples, got " + count);
        }
        if (!batch.isWellFormed(length)) {
            return refuse(CallStatus.INVALID, "the sample count does not match the length, or a direction is unknown");
        }
        for (int i = 0; i < count; i++) {
            batch.sample(i);
            int interval = batch.intervalLengthMillis();
            if (interval <= 0 || interval > MAX_INTERVAL_MILLIS) {
                return refuse(CallStatus.INVALID, "sample " + i + ": interval length " + interval + " ms out of range");
            }
            if (batch.ops() < 0 || batch.bytes() < 0 || batch.throttledOps() < 0 || batch.latencySumMicros() < 0) {
                return refuse(CallStatus.INVALID, "sample " + i + ": negative counter");
            }
        }
        return CallStatus.OK;
    }

    String problem() {
        return problem;
    }

    private int refuse(int status, String why) {
        problem = why;
        return status;
    }
}
