package io.sluice.mailbox;

/**
 * The mailbox's hint bitmaps (free slots, posted requests, one of replies per caller), each a row of 64-bit words in
 * the file with one bit per slot. A bit is a hint, never the truth: whoever claims a bit still takes the slot's lock
 * and checks its state, so a bit lost or left set by a crashed process costs a scan, not a call (recovery sets it
 * again). Every change is one atomic read-modify-write, so parties in several processes can set and claim bits at once.
 */
final class HintBitmaps {
    private final SharedMemory memory;
    private final int words;
    private final int slotCount;

    HintBitmaps(SharedMemory memory, int words, int slotCount) {
        this.memory = memory;
        this.words = words;
        this.slotCount = slotCount;
    }

    int words() {
        return words;
    }

    void set(long bitmap, int index) {
        memory.getAndOrLong(wordOffset(bitmap, index), 1L << index);
    }

    /** Clears a bit; true if this thread was the one to clear it. */
    boolean clear(long bitmap, int index) {
        long bit = 1L << index;
        return (memory.getAndAndLong(wordOffset(bitmap, index), ~bit) & bit) != 0;
    }

    boolean isSet(long bitmap, int index) {
        return (memory.getLongVolatile(wordOffset(bitmap, index)) & (1L << index)) != 0;
    }

    /**
     * Finds a set bit starting the scan at word {@code fromWord} and wrapping around, and claims it by clearing it.
     * Returns the bit's index, or -1 when the bitmap is empty.
     */
    int claimAny(long bitmap, int fromWord) {
        for (int i = 0; i < words; i++) {
            int w = fromWord + i;
            if (w >= words) {
                w -= words;
            }
            long offset = bitmap + ((long) w << 3);
            long value = memory.getLongVolatile(offset);
            while (value != 0) {
                long bit = Long.lowestOneBit(value);
                long before = memory.getAndAndLong(offset, ~bit);
                if ((before & bit) != 0) {
                    int index = (w << 6) + Long.numberOfTrailingZeros(bit);
                    if (index < slotCount) {
                        return index;
                    }
                }
                value = before & ~bit;
            }
        }
        return -1;
    }

    boolean anySet(long bitmap) {
        for (int w = 0; w < words; w++) {
            if (memory.getLongVolatile(bitmap + ((long) w << 3)) != 0) {
                return true;
            }
        }
        return false;
    }

    private static long wordOffset(long bitmap, int index) {
        return bitmap + ((long) (index >>> 6) << 3);
    }
}
