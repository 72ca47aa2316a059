package io.sluice.services.sla;

/**
 * An IOPS limit that grows with the volume: {@code iopsPerTib} for each TiB of allocated (or used) space, never below
 * {@code minimumIops}. Cloud block storage sells performance this way.
 */
public record CapacityScaling(long iopsPerTib, long minimumIops, Basis basis) {
    public static final CapacityScaling NONE = new CapacityScaling(0, 0, Basis.ALLOCATED);
    private static final double TIB = 1L << 40;

    public enum Basis {
        ALLOCATED,
        USED
    }

    public boolean isSet() {
        return iopsPerTib > 0;
    }

    /** The scaled limit for a volume of {@code allocatedBytes} with {@code usedBytes} in use; 0 when not set. */
    public long limitFor(long allocatedBytes, long usedBytes) {
        if (!isSet()) {
            return 0;
        }
        long bytes = basis == Basis.ALLOCATED ? allocatedBytes : usedBytes;
        return Math.max(minimumIops, (long) Math.ceil(iopsPerTib * (bytes / TIB)));
    }
}
