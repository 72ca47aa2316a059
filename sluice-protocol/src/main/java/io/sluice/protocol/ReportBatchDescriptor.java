package io.sluice.protocol;

/**
 * Parameters of {@link MailboxOpcodes#SERVICES_STATS_BATCH}: several gateways' STATS frames in one call, so the monitor
 * pays one mailbox call (a slot claimed, a doorbell rung, a reply taken) for many reports instead of one each.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        batch length: header + entries + index, in bytes       |  0
 *  +-------------------------------+-------------------------------+
 *  |        version (1)            |   entry count (1..256)        |  4
 *  +-------------------------------+-------------------------------+
 *  |        entries: each a STATS frame (StatsDescriptor) exactly  |  8
 *  |        as the monitor would post it alone, back to back        |
 *  +---------------------------------------------------------------+
 *  |        index: entry count x 32 bits, entry i's offset from    |  length - 4 x count
 *  |        the batch's start; entry i ends where entry i + 1      |
 *  |        begins (the last where the index begins)               |
 *  +---------------------------------------------------------------+ length
 * </pre>
 *
 * The index, not the frames' own length fields, says where each entry is, so one entry whose bytes are damaged is
 * refused alone and the others are still found. Entries are in the order the monitor took the frames in: a gateway's
 * reports (and the parts of one report, {@link FrameDescriptor#FLAG_MORE}) keep their order within and across batches.
 * All integers big-endian, like the frames inside.
 */
public final class ReportBatchDescriptor {
    public static final int LENGTH_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int COUNT_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;
    public static final int INDEX_ENTRY_LENGTH = 4;

    public static final int VERSION = 1;
    /** The most entries a batch may hold, whatever their size: bounds the index and a reader's loop. */
    public static final int MAX_ENTRIES = 256;

    private ReportBatchDescriptor() {}

    /** The longest single entry a batch of {@code capacity} bytes can hold (alone). */
    public static int maxEntryLength(int capacity) {
        return capacity - HEADER_LENGTH - INDEX_ENTRY_LENGTH;
    }

    /** The volume records a STATS frame may hold so that it fits alone in a batch of {@code capacity} bytes. */
    public static int volumesPerEntry(int capacity) {
        return (maxEntryLength(capacity) - StatsDescriptor.VOLUMES_OFFSET) / StatsDescriptor.VOLUME_RECORD_LENGTH;
    }
}
