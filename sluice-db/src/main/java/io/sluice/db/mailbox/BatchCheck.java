package io.sluice.db.mailbox;

import io.sluice.db.store.KnownVolumes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a DB_APPEND_SAMPLES request before it is queued, so a garbled batch, or one with samples of a volume nobody
 * registered, is refused up front and never reaches the database or the journal. One instance per mailbox thread;
 * allocates nothing unless it refuses.
 */
final class BatchCheck {
    /** Longest interval a sample may cover: a gateway polled less often than hourly is not sampling. */
    static final int MAX_INTERVAL_MILLIS = 3_600_000;

    private final SampleBatchFlyweight batch = new SampleBatchFlyweight();
    /** Unknown volumes named in one refusal at most. */
    static final int MAX_UNKNOWN_NAMED = 32;

    private final int maxSamples;
    private final KnownVolumes knownVolumes;
    private String problem;
    private final List<Integer> unknownVolumes = new ArrayList<>();

    BatchCheck(int maxSamples, KnownVolumes knownVolumes) {
        this.maxSamples = maxSamples;
        this.knownVolumes = knownVolumes;
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
            if (batch.volumeId() <= 0) {
                return refuse(
                        CallStatus.INVALID, "sample " + i + ": volume id " + batch.volumeId() + " (ids start at 1)");
            }
            if (batch.ops() < 0 || batch.bytes() < 0 || batch.throttledOps() < 0 || batch.latencySumMicros() < 0) {
                return refuse(CallStatus.INVALID, "sample " + i + ": negative counter");
            }
        }
        return checkVolumesKnown(count);
    }

    private int checkVolumesKnown(long count) {
        unknownVolumes.clear();
        for (int i = 0; i < count; i++) {
            int volumeId = batch.sample(i).volumeId();
            if (!knownVolumes.admits(volumeId)
                    && !unknownVolumes.contains(volumeId)
                    && unknownVolumes.size() < MAX_UNKNOWN_NAMED) {
                unknownVolumes.add(volumeId);
            }
        }
        if (unknownVolumes.isEmpty()) {
            return CallStatus.OK;
        }
        return refuse(
                CallStatus.NOT_FOUND,
                "samples of volumes nobody registered: " + unknownVolumes
                        + "; volume.upsert them, then send the batch again");
    }

    String problem() {
        return problem;
    }

    /** The unregistered volumes of the last NOT_FOUND refusal. */
    List<Integer> unknownVolumes() {
        return List.copyOf(unknownVolumes);
    }

    private int refuse(int status, String why) {
        problem = why;
        return status;
    }
}
