package io.sluice.monitor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.StatsDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes part of a STATS frame into a mailbox slot as a STATS frame of its own: the same header and report fields, the
 * volume records {@code [first, first + count)}, its length and volume count set to match, and
 * {@link FrameDescriptor#FLAG_MORE} on every part but the last of a report. A gateway may send up to the frame limit (1
 * MiB, 3,400 volumes) in one frame, and a services slot is far smaller, so the monitor posts a large report as several
 * entries of its {@link ReportBatch}es. One per inbound thread, reused.
 */
final class StatsPart implements ParamWriter {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private ByteBuffer frame;
    private int offset;
    private int first;
    private int count;
    private boolean more;

    /**
     * @param frame the buffer holding the whole STATS frame at {@code offset}
     * @param more true unless this is the last part of the last frame of its report
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
        return writeAt(region, 0);
    }

    /**
     * Writes the part at {@code at} of {@code target} (a mailbox slot, or a batch being gathered); returns its length.
     */
    int writeAt(MemorySegment target, long at) {
        int records = offset + StatsDescriptor.VOLUMES_OFFSET + first * StatsDescriptor.VOLUME_RECORD_LENGTH;
        int recordBytes = count * StatsDescriptor.VOLUME_RECORD_LENGTH;
        if (frame.hasArray()) {
            // Straight from the array: no segment over it is made per report.
            byte[] bytes = frame.array();
            int base = frame.arrayOffset();
            MemorySegment.copy(bytes, base + offset, target, JAVA_BYTE, at, StatsDescriptor.VOLUMES_OFFSET);
            MemorySegment.copy(
                    bytes, base + records, target, JAVA_BYTE, at + StatsDescriptor.VOLUMES_OFFSET, recordBytes);
        } else {
            MemorySegment source = MemorySegment.ofBuffer(frame.duplicate().clear());
            MemorySegment.copy(source, offset, target, at, StatsDescriptor.VOLUMES_OFFSET);
            MemorySegment.copy(source, records, target, at + StatsDescriptor.VOLUMES_OFFSET, recordBytes);
        }
        int length = length();
        target.set(INT, at + FrameDescriptor.LENGTH_OFFSET, length);
        target.set(SHORT, at + FrameDescriptor.FLAGS_OFFSET, (short) (more ? FrameDescriptor.FLAG_MORE : 0));
        target.set(INT, at + StatsDescriptor.VOLUME_COUNT_OFFSET, count);
        return length;
    }
}
