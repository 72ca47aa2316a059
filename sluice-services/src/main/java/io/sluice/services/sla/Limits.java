package io.sluice.services.sla;

/**
 * A ceiling in one unit (IOPS or bytes per second): on the total, and optionally per direction. 0 means "no limit" for
 * each field, as on the wire.
 */
public record Limits(long total, long read, long write) {
    public static final Limits NONE = new Limits(0, 0, 0);

    public static Limits total(long total) {
        return new Limits(total, 0, 0);
    }

    public static Limits readWrite(long read, long write) {
        return new Limits(0, read, write);
    }

    /** The ceiling on the sum of both directions: the total, or read + write when only those are set. */
    public long effectiveTotal() {
        if (total > 0) {
            return total;
        }
        return read > 0 && write > 0 ? read + write : 0;
    }

    /** Field by field, the more stringent of the two (a set limit beats "no limit"). */
    public Limits strictest(Limits other) {
        return new Limits(Limits.min(total, other.total), Limits.min(read, other.read), Limits.min(write, other.write));
    }

    /** The smaller of two limits where 0 means none. */
    public static long min(long a, long b) {
        if (a == 0) {
            return b;
        }
        return b == 0 ? a : Math.min(a, b);
    }
}
