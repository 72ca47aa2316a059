package io.sluice.db.store;

/** The three resolutions of performance history, each with its table and window length. */
public enum Resolution {
    SECOND("1s", "samples_1s", 1_000L),
    MINUTE("1m", "samples_1m", 60_000L),
    HOUR("1h", "samples_1h", 3_600_000L);

    private final String label;
    private final String table;
    private final long millis;

    Resolution(String label, String table, long millis) {
        this.label = label;
        this.table = table;
        this.millis = millis;
    }

    public String label() {
        return label;
    }

    public String table() {
        return table;
    }

    public long millis() {
        return millis;
    }

    public static Resolution ofLabel(String label) {
        for (Resolution r : values()) {
            if (r.label.equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("resolution must be 1s, 1m or 1h: " + label);
    }

    /** The finest resolution that keeps a range to a readable number of points: ≤ 2 h at 1 s, ≤ 7 d at 1 min. */
    public static Resolution forRange(long fromMillis, long toMillis) {
        long span = toMillis - fromMillis;
        if (span <= 2 * 3_600_000L) {
            return SECOND;
        }
        if (span <= 7 * 86_400_000L) {
            return MINUTE;
        }
        return HOUR;
    }
}
