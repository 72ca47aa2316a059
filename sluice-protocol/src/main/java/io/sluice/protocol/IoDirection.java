package io.sluice.protocol;

/** The two directions a STATS volume record counts separately. */
public enum IoDirection {
    READ(StatsDescriptor.READ_OFFSET),
    WRITE(StatsDescriptor.WRITE_OFFSET);

    private final int recordOffset;

    IoDirection(int recordOffset) {
        this.recordOffset = recordOffset;
    }

    /** Where this direction's counters start within a volume record. */
    int recordOffset() {
        return recordOffset;
    }
}
