package io.sluice.db.store;

import java.nio.ByteBuffer;

/**
 * Per-second samples held in memory before they reach the database (the minute-rows layout's open minutes), as a 1 s
 * read sees them. A read takes {@link #moved} first, reads the database, then visits what memory holds with
 * {@link #visit}: if a minute moved from memory to the database in between, or one the read covers is being written,
 * the visit refuses and the read starts again, so no sample is counted twice or missed.
 */
public interface OpenSeconds {
    /** How many times minutes have left memory for the database so far. */
    long moved();

    /**
     * Hands {@code sink} every held sample of {@code volumeIds} (all volumes when null) with a start in [from, to), in
     * the fixed layout of {@link io.sluice.protocol.SampleBatchDescriptor}'s samples; false, visiting nothing, when
     * {@link #moved} is no longer {@code expectedMoved} or a minute in the range is being written. The sink runs under
     * the memory's lock and must be quick.
     */
    boolean visit(int[] volumeIds, long from, long to, long expectedMoved, SampleSink sink);

    /** Receives one sample at {@code buffer[offset]}; the buffer is reused for the next one. */
    interface SampleSink {
        void sample(ByteBuffer buffer, int offset);
    }
}
