package io.sluice.monitor;

import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.StatsDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Writes part of a STATS frame into a mailbox slot as a STATS frame of its own: the same header and
 * report fields, the volume records {@code [first, first + count)}, its length and volume count set to
 * match, and {@link FrameDescriptor#FLAG_MORE} on every part but the last of a report. A gateway may
 * send up to the frame limit (1 MiB, 3,400 volumes) in one frame, and a services slot is far smaller,
 * so the monitor posts a large report as several calls. One per inbound thread, reused.
 */
final class StatsPart implements ParamWriter {
    private ByteBuffer frame;
    private int offset;
    private int first;
    private int count;
    private boolean more;

    /** The volumes a part may hold so that it fits {@code paramCapacity} bytes. */
    static int volumesPerPart(int paramCapacity) {
        return (paramCapacity - StatsDescriptor.VOLUMES_OFFSET) / StatsDescriptor.VOLUME_RECORD_LENGTH;
    }

    /**
     * @param frame  the buffer holding the whole STATS frame at {@code offset}
     * @param more   true unless this is the last part of the last frame of its report
     */
    StatsPart of(ByteBuffer frame, int offset, int first, int count, boolean more) {
        this.frame = frame;
        this.offset = offset;
        this.first = first;
        this.count = count;
        this.more = more;
        return this;
    }

    int length() {
        return StatsDescriptor.frameLength(count);
    }

    @Override
    public int write(MemorySegment region) {
        MemorySegment source = frame.hasArray()
                ? MemorySegment.ofArray(frame.array()).asSlice(frame.arrayOffset())
                : MemorySegment.ofBuffer(frame.duplicate().clear());
        MemorySegment.copy(source, offset, region, 0, StatsDescriptor.VOLUMES_OFFSET);
        MemorySegment.copy(source, offset + StatsDescriptor.VOLUMES_OFFSET + (long) first * StatsDescriptor.VOLUME_RECORD_LENGTH,
                region, StatsDescriptor.VOLUMES_OFFSET, (long) count * StatsDescriptor.VOLUME_RECORD_LENGTH);
        ByteBuffer header = region.asSlice(0, StatsDescriptor.VOLUMES_OFFSET).asByteBuffer();
        int length = length();
        header.putInt(FrameDescriptor.LENGTH_OFFSET, length);
        header.putShort(FrameDescriptor.FLAGS_OFFSET, (short) (more ? FrameDescriptor.FLAG_MORE : 0));
        header.putInt(StatsDescriptor.VOLUME_COUNT_OFFSET, count);
        return length;
    }
}
