package io.sluice.mailbox;

/**
 * Layout of a mailbox file. All integers are little-endian (the platform's order; the file never leaves the machine).
 * Every section starts on a 64-byte cache line.
 *
 * <h2>File</h2>
 *
 * <pre>
 * +--------------------------------------------------+ 0
 * | header                                  256 bytes |
 * +--------------------------------------------------+ FREE_BITMAP
 * | free-slot bitmap      1 bit per slot (hint only)  |
 * +--------------------------------------------------+ REQUEST_BITMAP
 * | posted-request bitmap 1 bit per slot (hint only)  |
 * +--------------------------------------------------+ CALLEE_TABLE
 * | callee entries        maxCallees x 64 bytes       |
 * +--------------------------------------------------+ CALLER_TABLE
 * | caller entries        maxCallers x 64 bytes       |
 * +--------------------------------------------------+ REPLY_BITMAPS
 * | reply bitmap per caller, 1 bit per slot (hint)    |
 * +--------------------------------------------------+ SLOTS
 * | mailslot 0            slotSize bytes              |
 * | ...                                               |
 * | mailslot slotCount-1                              |
 * +--------------------------------------------------+
 * </pre>
 *
 * The bitmaps only say where to look: a set bit may be stale and a missing one is repaired by the recovery sweep. The
 * truth of a call is its slot's state word, changed only under the slot lock.
 *
 * <h2>Header</h2>
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 magic "SLUICEMB" (8 bytes)                    |  0
 *  +---------------------------------------------------------------+
 *  |                 layout version                                |  8
 *  |                 slot count                                    | 12
 *  |                 slot size (bytes, multiple of 64)             | 16
 *  |                 max callers                                   | 20
 *  |                 max callees                                   | 24
 *  |                 reserved                                      | 28
 *  +---------------------------------------------------------------+
 *  |                 creator process token (pid | start ticks)     | 32
 *  |                 created at (epoch ms)                         | 40
 *  |                 epoch: incremented at every callee attach     | 48
 *  |                 reserved                                      | 56
 *  +---------------------------------------------------------------+
 *  |                 request doorbell sequence (futex word, int)   | 64
 *  |                 request doorbell waiters (int)                | 68
 *  |                 reserved to 256                               |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Callee and caller entries (64 bytes each)</h2>
 *
 * <pre>
 *  callee: 0 process token | 8 heartbeat (epoch ms) | 16 attached at (epoch ms) | 24 calls served
 *  caller: 0 process token | 8 heartbeat (epoch ms) | 16 attached at (epoch ms)
 *          24 reply doorbell sequence (futex word, int) | 28 reply doorbell waiters (int)
 *          32 generation: +1 each time another process binds the index (0 in a file never attached)
 * </pre>
 *
 * A caller entry is claimed by a logical caller index (a role's fixed number), so a restarted caller takes its entry
 * back and finds its outstanding calls by caller index and correlation id. Only a dead holder's entry is taken (its
 * token is pid and start time, so a reused pid is not the holder); the generation tells the successor, and any
 * inspector, that the calls in the slots were posted by an earlier incarnation.
 *
 * <h2>Mailslot (slotSize bytes: a 128-byte header, then the parameter region)</h2>
 *
 * The header's first cache line is everything a call needs and is written only under the slot lock; the second is
 * bookkeeping written only by callees (and recovery), so a caller posting a call never pulls that line away from the
 * callee: a round trip moves as few cache lines as possible.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |      lock: process token of the exclusive owner, 0 = free     |  0
 *  +-------------------------------+-------------------------------+
 *  |      state (SlotState)        |      operation code           |  8
 *  +-------------------------------+-------------------------------+
 *  |      generation: +1 at every allocation (against ABA)         | 16
 *  +-------------------------------+-------------------------------+
 *  |      caller index             |      flags (SlotFlags)        | 24
 *  +-------------------------------+-------------------------------+
 *  |      correlation id (chosen by the caller)                    | 32
 *  |      callee process token (who took the call)                 | 40
 *  +-------------------------------+-------------------------------+
 *  |      status (MailboxStatus)   |      parameter/result length  | 48
 *  +-------------------------------+-------------------------------+
 *  |      posted at (epoch ms)                                     | 56
 *  +===============================================================+
 *  |      delivery generation: the call the three fields below     | 64
 *  |      describe (a stale value means "not taken yet")           |
 *  |      taken at (epoch ms)                                      | 72
 *  |      completed at (epoch ms)                                  | 80
 *  +-------------------------------+-------------------------------+
 *  |      deliveries               |      reserved                 | 88
 *  +-------------------------------+-------------------------------+
 *  |      reserved to 128                                          |
 *  +---------------------------------------------------------------+
 *  |      parameter region: request parameters, interpreted by     | 128
 *  |      the operation code; the callee writes its result here    |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class MailboxDescriptor {
    /** "SLUICEMB" read as a little-endian long. */
    public static final long MAGIC = 0x424D454349554C53L;

    public static final int LAYOUT_VERSION = 1;

    public static final int CACHE_LINE = 64;
    public static final int HEADER_LENGTH = 256;
    public static final int MAX_SLOTS = 4096;
    public static final int MAX_CALLERS = 64;
    public static final int MAX_CALLEES = 16;
    public static final int MIN_SLOT_SIZE = 256;
    public static final int MAX_SLOT_SIZE = 1 << 20;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int SLOT_COUNT_OFFSET = 12;
    public static final int SLOT_SIZE_OFFSET = 16;
    public static final int MAX_CALLERS_OFFSET = 20;
    public static final int MAX_CALLEES_OFFSET = 24;
    public static final int CREATOR_TOKEN_OFFSET = 32;
    public static final int CREATED_AT_OFFSET = 40;
    public static final int EPOCH_OFFSET = 48;
    public static final int REQUEST_SEQ_OFFSET = 64;
    public static final int REQUEST_WAITERS_OFFSET = 68;

    public static final int ENTRY_LENGTH = 64;
    public static final int ENTRY_TOKEN_OFFSET = 0;
    public static final int ENTRY_HEARTBEAT_OFFSET = 8;
    public static final int ENTRY_ATTACHED_AT_OFFSET = 16;
    public static final int CALLEE_SERVED_OFFSET = 24;
    public static final int CALLER_SEQ_OFFSET = 24;
    public static final int CALLER_WAITERS_OFFSET = 28;
    public static final int CALLER_GENERATION_OFFSET = 32;

    public static final int SLOT_HEADER_LENGTH = 128;
    public static final int SLOT_LOCK_OFFSET = 0;
    public static final int SLOT_STATE_OFFSET = 8;
    public static final int SLOT_OPCODE_OFFSET = 12;
    public static final int SLOT_GENERATION_OFFSET = 16;
    public static final int SLOT_CALLER_INDEX_OFFSET = 24;
    public static final int SLOT_FLAGS_OFFSET = 28;
    public static final int SLOT_CORRELATION_OFFSET = 32;
    public static final int SLOT_CALLEE_TOKEN_OFFSET = 40;
    public static final int SLOT_STATUS_OFFSET = 48;
    public static final int SLOT_LENGTH_OFFSET = 52;
    public static final int SLOT_POSTED_AT_OFFSET = 56;
    public static final int SLOT_DELIVERY_GENERATION_OFFSET = 64;
    public static final int SLOT_TAKEN_AT_OFFSET = 72;
    public static final int SLOT_COMPLETED_AT_OFFSET = 80;
    public static final int SLOT_DELIVERIES_OFFSET = 88;

    private MailboxDescriptor() {}

    public static int bitmapWords(int slotCount) {
        return (slotCount + 63) >>> 6;
    }

    public static long bitmapLength(int slotCount) {
        return align(bitmapWords(slotCount) * 8L);
    }

    public static long freeBitmapOffset() {
        return HEADER_LENGTH;
    }

    public static long requestBitmapOffset(int slotCount) {
        return freeBitmapOffset() + bitmapLength(slotCount);
    }

    public static long calleeTableOffset(int slotCount) {
        return requestBitmapOffset(slotCount) + bitmapLength(slotCount);
    }

    public static long callerTableOffset(int slotCount, int maxCallees) {
        return calleeTableOffset(slotCount) + (long) maxCallees * ENTRY_LENGTH;
    }

    public static long replyBitmapsOffset(int slotCount, int maxCallers, int maxCallees) {
        return callerTableOffset(slotCount, maxCallees) + (long) maxCallers * ENTRY_LENGTH;
    }

    public static long slotsOffset(int slotCount, int maxCallers, int maxCallees) {
        return replyBitmapsOffset(slotCount, maxCallers, maxCallees) + maxCallers * bitmapLength(slotCount);
    }

    public static long fileLength(int slotCount, int slotSize, int maxCallers, int maxCallees) {
        return slotsOffset(slotCount, maxCallers, maxCallees) + (long) slotCount * slotSize;
    }

    public static int paramCapacity(int slotSize) {
        return slotSize - SLOT_HEADER_LENGTH;
    }

    static long align(long length) {
        return (length + CACHE_LINE - 1) & -CACHE_LINE;
    }
}
