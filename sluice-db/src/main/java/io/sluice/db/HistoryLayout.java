package io.sluice.db;

/**
 * How per-second history is stored. {@link #ROWS}: a row of samples_1s per sample, rolled up in SQL.
 * {@link #MINUTE_ROWS}: the samples of each open minute held in memory and journaled, then written as one
 * minute_samples row per volume and minute together with the minute's rollup (docs/design.md, "Per-second history in
 * minute rows").
 */
public enum HistoryLayout {
    ROWS("rows"),
    MINUTE_ROWS("minute-rows");

    private final String label;

    HistoryLayout(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The layout named {@code label}; an {@link IllegalArgumentException} naming the setting {@code key} if none. */
    public static HistoryLayout of(String key, String label) {
        for (HistoryLayout layout : values()) {
            if (layout.label.equals(label)) {
                return layout;
            }
        }
        throw new IllegalArgumentException(key + " must be rows or minute-rows, not " + label);
    }
}
