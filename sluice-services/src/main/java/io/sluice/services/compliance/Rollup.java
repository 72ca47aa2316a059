package io.sluice.services.compliance;

/**
 * Met and missed intervals of one subject (a volume, or an SLA over all its volumes) over one rollup period (a minute,
 * an hour, a day), per dimension.
 */
public final class Rollup {
    private static final Dimension[] DIMENSIONS = Dimension.values();
    private final String subject;
    private final Resolution resolution;
    private final long startMillis;
    /** Per dimension (by ordinal): met at 2i, missed at 2i + 1. */
    private final long[] counts = new long[2 * DIMENSIONS.length];

    private double complianceTarget;

    /** How long a rollup period is. */
    public enum Resolution {
        MINUTE(60_000L),
        HOUR(3_600_000L),
        DAY(86_400_000L);

        private final long millis;

        Resolution(long millis) {
            this.millis = millis;
        }

        public long millis() {
            return millis;
        }

        long startOf(long epochMillis) {
            return epochMillis - Math.floorMod(epochMillis, millis);
        }
    }

    Rollup(String subject, Resolution resolution, long startMillis) {
        this.subject = subject;
        this.resolution = resolution;
        this.startMillis = startMillis;
    }

    void add(IntervalVerdict verdict, double target) {
        complianceTarget = target;
        for (Dimension dimension : DIMENSIONS) {
            Verdict v = verdict.of(dimension);
            if (v != Verdict.NOT_APPLICABLE) {
                counts[2 * dimension.ordinal() + (v == Verdict.MET ? 0 : 1)]++;
            }
        }
    }

    /** "volume 7" or "sla gold". */
    public String subject() {
        return subject;
    }

    public Resolution resolution() {
        return resolution;
    }

    public long startMillis() {
        return startMillis;
    }

    public long met(Dimension dimension) {
        return counts[2 * dimension.ordinal()];
    }

    public long missed(Dimension dimension) {
        return counts[2 * dimension.ordinal() + 1];
    }

    /** Share of judged intervals that met; 1 when none was judged. */
    public double attainment(Dimension dimension) {
        long judged = met(dimension) + missed(dimension);
        return judged == 0 ? 1 : (double) met(dimension) / judged;
    }

    /** True when every dimension met the SLA's compliance target over the period. */
    public boolean compliant() {
        for (Dimension dimension : Dimension.values()) {
            if (attainment(dimension) < complianceTarget) {
                return false;
            }
        }
        return true;
    }
}
