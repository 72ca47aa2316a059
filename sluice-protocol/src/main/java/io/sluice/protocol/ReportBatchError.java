package io.sluice.protocol;

/**
 * Why a {@link ReportBatchReader} refused a batch or one of its entries. The first three concern the whole batch (no
 * entry can be trusted, none is taken); the rest concern one entry, which is skipped while the batch's other entries
 * are taken.
 */
public enum ReportBatchError {
    /** Whole batch: the call's parameters are shorter than a header, or than the length the header declares. */
    TRUNCATED,
    /** Whole batch: the header's version is not {@link ReportBatchDescriptor#VERSION}. */
    WRONG_VERSION,
    /** Whole batch: no entries, more than {@link ReportBatchDescriptor#MAX_ENTRIES}, or an index that does not fit. */
    BAD_COUNT,
    /** Entry: its index offset lies outside the entries' area or before the previous entry's. */
    BAD_OFFSET,
    /** Entry: the frame's own length field is not the entry's length. */
    LENGTH_MISMATCH,
    /** Entry: not a STATS frame of this protocol version. */
    NOT_STATS,
    /** Entry: a STATS frame whose flags, gateway id or volume count do not fit its layout. */
    MALFORMED_STATS
}
