package io.sluice.mailbox;

/**
 * A call's handle: its slot's generation and index in one positive long, {@code generation << 12 | slot} (a mailbox has
 * at most {@link MailboxDescriptor#MAX_SLOTS} = 4096 slots). The generation grows each time a caller claims the slot
 * for a new call, so a handle kept after its call completed names no later call in the same slot.
 */
final class CallHandle {
    private CallHandle() {}

    static long of(long generation, int slot) {
        return (generation << 12) | slot;
    }

    static int slotOf(long handle) {
        return (int) (handle & 0xFFF);
    }

    static long generationOf(long handle) {
        return handle >>> 12;
    }
}
