package io.sluice.mailbox;

/**
 * One consumer's way through a hint bitmap: it claims a whole word of set bits with one atomic operation and hands them
 * out one by one, so a busy consumer pays one read-modify-write per 64 announcements instead of one each. Bits it holds
 * are invisible to other consumers; if it dies holding some, the recovery sweep re-announces their slots. One thread
 * per instance.
 */
final class BitClaimer {
    private final Mailbox mailbox;
    private final long bitmap;
    private long held;
    private int heldWord;
    private int cursor;

    BitClaimer(Mailbox mailbox, long bitmap, int startWord) {
        this.mailbox = mailbox;
        this.bitmap = bitmap;
        this.cursor = startWord;
    }

    /** The next announced index, or -1 when the bitmap (and what this claimer holds) is empty. */
    int next() {
        if (held == 0 && !claimWord()) {
            return -1;
        }
        long bit = Long.lowestOneBit(held);
        held &= ~bit;
        int index = (heldWord << 6) + Long.numberOfTrailingZeros(bit);
        return index < mailbox.geometry().slotCount() ? index : next();
    }

    /** True if this claimer holds announcements or the bitmap has some. */
    boolean hasAny() {
        return held != 0 || mailbox.bitmaps().anySet(bitmap);
    }

    /** Announces again what this claimer holds, for another consumer to take (before it stops). */
    void release() {
        if (held != 0) {
            mailbox.memory().getAndOrLong(bitmap + ((long) heldWord << 3), held);
            held = 0;
        }
    }

    private boolean claimWord() {
        SharedMemory memory = mailbox.memory();
        int words = mailbox.bitmaps().words();
        for (int i = 0; i < words; i++) {
            int w = cursor + i;
            if (w >= words) {
                w -= words;
            }
            long offset = bitmap + ((long) w << 3);
            if (memory.getLongVolatile(offset) != 0) {
                long claimed = memory.getAndAndLong(offset, 0);
                if (claimed != 0) {
                    held = claimed;
                    heldWord = w;
                    cursor = w;
                    return true;
                }
            }
        }
        return false;
    }
}
