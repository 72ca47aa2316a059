package io.sluice.mailbox;

import java.lang.foreign.MemorySegment;

/**
 * Writes a request's parameters (or a result) straight into a slot's parameter region, so nothing is copied twice.
 * Returns the number of bytes written; writing past the region's end makes the call fail with TOO_LARGE without
 * touching any other slot.
 */
@FunctionalInterface
public interface ParamWriter {
    int write(MemorySegment region);

    ParamWriter EMPTY = region -> 0;

    static ParamWriter of(byte[] bytes) {
        return region -> {
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, region, 0, bytes.length);
            return bytes.length;
        };
    }
}
