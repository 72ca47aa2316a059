package io.sluice.protocol;

import static io.sluice.protocol.StatsDescriptor.*;

import java.nio.ByteBuffer;

/**
 * Writes STATS: {@link #begin}, fill each {@link #volume} record, {@link #commit()}. The frame starts zeroed, so only
 * non-zero counters need setting.
 */
public final class StatsWriter extends FrameWriter {
    private final VolumeStatsFlyweight record = new VolumeStatsFlyweight();

    /**
     * Starts a STATS frame with {@code volumeCount} records.
     *
     * @param more true when the report continues in the next STATS frame ({@link FrameDescriptor#FLAG_MORE})
     * @return false (nothing written) when the frame does not fit in {@code dst}
     */
    public boolean begin(
            ByteBuffer dst,
            long sequence,
            long gatewayId,
            boolean more,
            long reportSequence,
            long pollSequence,
            long intervalStartMillis,
            int intervalMillis,
            int volumeCount) {
        long length = VOLUMES_OFFSET + nonNegative(volumeCount) * VOLUME_RECORD_LENGTH;
        int flags = more ? FrameDescriptor.FLAG_MORE : 0;
        if (!begin(dst, FrameType.STATS, length, flags, sequence, gatewayId)) {
            return false;
        }
        buffer.putLong(offset + REPORT_SEQUENCE_OFFSET, reportSequence);
        buffer.putLong(offset + POLL_SEQUENCE_OFFSET, pollSequence);
        buffer.putLong(offset + INTERVAL_START_OFFSET, intervalStartMillis);
        buffer.putInt(offset + INTERVAL_LENGTH_OFFSET, intervalMillis);
        buffer.putInt(offset + VOLUME_COUNT_OFFSET, volumeCount);
        return true;
    }

    /** Record {@code index} of the frame begun, to set; the same flyweight is returned each time. */
    public VolumeStatsFlyweight volume(int index) {
        return record.wrap(buffer, entryOffset(index, VOLUME_COUNT_OFFSET, VOLUMES_OFFSET, VOLUME_RECORD_LENGTH));
    }
}
