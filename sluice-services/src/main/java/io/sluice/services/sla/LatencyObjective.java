package io.sluice.services.sla;

/**
 * "The {@code percentile} of reads completes within {@code readMicros} and of writes within {@code writeMicros}",
 * judged over windows of {@code windowIntervals} poll intervals. A threshold of 0 leaves that direction unjudged.
 */
public record LatencyObjective(double percentile, long readMicros, long writeMicros, int windowIntervals) {
    public static final LatencyObjective NONE = new LatencyObjective(0, 0, 0, 0);

    public boolean isSet() {
        return readMicros > 0 || writeMicros > 0;
    }

    /** The tighter of the two thresholds that are set; 0 when neither is. */
    public long tightestMicros() {
        return Limits.min(readMicros, writeMicros);
    }
}
