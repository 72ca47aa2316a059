package io.sluice.mailbox;

/** A copy of one mailslot's header, for inspection, watchdogs and re-attachment. */
public record SlotInfo(
        int slot,
        int state,
        int opcode,
        long generation,
        int callerIndex,
        int flags,
        long correlationId,
        long calleeToken,
        int status,
        int length,
        long postedAt,
        long takenAt,
        long completedAt,
        int deliveries,
        long lockOwner) {
    public long handle() {
        return CallHandle.of(generation, slot);
    }
}
