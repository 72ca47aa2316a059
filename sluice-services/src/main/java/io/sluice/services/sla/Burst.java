package io.sluice.services.sla;

/** A rate a volume may run at above its limit for up to {@code lengthMillis}, from credit saved below it. */
public record Burst(long iops, long bandwidth, long lengthMillis) {
    public static final Burst NONE = new Burst(0, 0, 0);

    public boolean isSet() {
        return iops > 0 || bandwidth > 0;
    }
}
