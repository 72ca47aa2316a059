package io.sluice.monitor;

import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.ReportBatchDescriptor;
import io.sluice.protocol.ReportBatchWriter;
import io.sluice.protocol.StatsReader;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The reports an inbound thread has gathered for its next {@code SERVICES_STATS_BATCH} call
 * ({@link ReportBatchDescriptor}): STATS frames (or parts of them, {@link StatsPart}) in the order the thread read
 * them, bounded by a services slot's size and by {@code maxEntries}. The thread posts it when it is full, when a wait
 * of at most a millisecond for more answers brings none, or after {@code maxTurns} turns of its loop, so no report
 * waits long for others to fill it. One per inbound thread, reused; nothing is allocated per report.
 */
final class ReportBatch implements ParamWriter {
    /** Told about each entry of a batch the services' mailbox had no room for. */
    interface Dropped {
        void dropped(long gatewayId, long reportSequence, int firstVolumeId, int volumes);
    }

    private final MemorySegment staging;
    private final ByteBuffer view;
    private final ReportBatchWriter writer;
    private final StatsReader entry = new StatsReader();
    private final int maxTurns;
    private int length;
    private int framesEnded;
    private int turnsWaited;

    /**
     * @param capacity a services slot's parameter capacity; @param maxEntries entries per batch at most;
     * @param maxTurns turns of the inbound loop a batch may wait for more reports
     */
    ReportBatch(int capacity, int maxEntries, int maxTurns) {
        this.maxTurns = maxTurns;
        byte[] bytes = new byte[capacity];
        this.staging = MemorySegment.ofArray(bytes);
        this.view = ByteBuffer.wrap(bytes);
        this.writer = new ReportBatchWriter(maxEntries).wrap(staging);
    }

    /**
     * Appends {@code part} (which {@code endsFrame}, or not when the gateway's frame continues in another part); false
     * when the batch has no room for it: post this one, then append again.
     */
    boolean append(StatsPart part, boolean endsFrame) {
        int offset = writer.reserve(part.length());
        if (offset < 0) {
            return false;
        }
        part.writeAt(staging, offset);
        if (endsFrame) {
            framesEnded++;
        }
        return true;
    }

    /** Counts one more turn of waiting for reports; false once the batch has waited {@code maxTurns}: post it. */
    boolean mayWaitAnotherTurn() {
        if (turnsWaited >= maxTurns) {
            return false;
        }
        turnsWaited++;
        return true;
    }

    boolean isEmpty() {
        return writer.isEmpty();
    }

    /** The gateway of the first entry: the call's correlation id, so an inspector sees whose reports lead it. */
    long firstGatewayId() {
        return entry.wrap(view, writer.entryOffset(0)).gatewayId();
    }

    /** Gateway frames whose last part is in this batch: what a successful post forwarded. */
    int framesEnded() {
        return framesEnded;
    }

    /** Ends the batch (writes its index and header) before it is posted. */
    void seal() {
        length = writer.seal();
    }

    @Override
    public int write(MemorySegment region) {
        MemorySegment.copy(staging, 0, region, 0, length);
        return length;
    }

    /** Tells {@code to} about every entry, for a batch that could not be posted. */
    void forEachDropped(Dropped to) {
        for (int i = 0; i < writer.count(); i++) {
            entry.wrap(view, writer.entryOffset(i));
            int volumes = entry.volumeCount();
            to.dropped(
                    entry.gatewayId(),
                    entry.reportSequence(),
                    volumes == 0 ? 0 : entry.volume(0).volumeId(),
                    volumes);
        }
    }

    /** Empties the batch once it went (or was given up). */
    void reset() {
        writer.reset();
        framesEnded = 0;
        turnsWaited = 0;
        length = 0;
    }
}
