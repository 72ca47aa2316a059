package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What any process may do to a call after it is posted: {@link #revoke} it, or {@link #modify} it while no callee has
 * taken it (docs/design.md, "Revocation and modification"). Both work under the call's slot lock and check that the
 * slot still holds the call the handle names, so a handle kept after its call ended never touches the slot's next call.
 */
final class CallAmendments {
    private final Mailbox mailbox;
    private final SharedMemory memory;
    /** Where {@link #modify} writes first; made on the first modify, guarded by this object. */
    private MemorySegment modifyScratch;

    CallAmendments(Mailbox mailbox, SharedMemory memory) {
        this.mailbox = mailbox;
        this.memory = memory;
    }

    /** {@link Mailbox#revoke}. */
    int revoke(long handle) {
        mailbox.checkWritable();
        int slot = mailbox.locks().lockCall(handle);
        if (slot < 0) {
            return slot;
        }
        long base = mailbox.slotOffset(slot);
        int callerIndex;
        try {
            int state = memory.getIntVolatile(base + SLOT_STATE_OFFSET);
            switch (state) {
                case SlotState.POSTED -> {
                    memory.putInt(base + SLOT_STATUS_OFFSET, MailboxStatus.CANCELLED);
                    memory.putInt(base + SLOT_LENGTH_OFFSET, 0);
                    mailbox.bookkeeping().recordCompletion(base, mailbox.clock().epochMillis());
                    memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.DONE);
                    callerIndex = memory.getInt(base + SLOT_CALLER_INDEX_OFFSET);
                }
                case SlotState.TAKEN -> {
                    int flags = memory.getInt(base + SLOT_FLAGS_OFFSET);
                    memory.putIntVolatile(base + SLOT_FLAGS_OFFSET, flags | SlotFlags.CANCEL_REQUESTED);
                    return MailboxStatus.CANCEL_REQUESTED;
                }
                case SlotState.FREE -> {
                    return MailboxStatus.STALE_HANDLE;
                }
                default -> {
                    return MailboxStatus.TOO_LATE;
                }
            }
        } finally {
            mailbox.locks().unlock(slot);
        }
        mailbox.notifyCaller(callerIndex, slot);
        return MailboxStatus.OK;
    }

    /** {@link Mailbox#modify}. */
    int modify(long handle, int opcode, ParamWriter params) {
        mailbox.checkWritable();
        int slot = mailbox.locks().lockCall(handle);
        if (slot < 0) {
            return slot;
        }
        try {
            long base = mailbox.slotOffset(slot);
            int state = memory.getIntVolatile(base + SLOT_STATE_OFFSET);
            if (state != SlotState.POSTED) {
                return state == SlotState.FREE ? MailboxStatus.STALE_HANDLE : MailboxStatus.TOO_LATE;
            }
            int length = rewriteParams(slot, params);
            if (length < 0) {
                return length;
            }
            memory.putInt(base + SLOT_OPCODE_OFFSET, opcode);
            memory.putInt(base + SLOT_LENGTH_OFFSET, length);
            memory.putIntVolatile(
                    base + SLOT_FLAGS_OFFSET, memory.getInt(base + SLOT_FLAGS_OFFSET) | SlotFlags.MODIFIED);
            return MailboxStatus.OK;
        } finally {
            mailbox.locks().unlock(slot);
        }
    }

    /**
     * Replaces a posted call's parameters: the writer runs over a scratch region first and only a complete result is
     * copied into the slot, so a writer that overflows leaves the posted parameters as they were. Its length, or
     * TOO_LARGE. Caller holds the slot's lock.
     */
    private int rewriteParams(int slot, ParamWriter params) {
        synchronized (this) {
            if (modifyScratch == null) {
                modifyScratch = Arena.ofAuto().allocate(mailbox.geometry().paramCapacity());
            }
            int length = Mailbox.writeParams(modifyScratch, params);
            if (length > 0) {
                MemorySegment.copy(modifyScratch, 0, mailbox.paramRegion(slot), 0, length);
            }
            return length;
        }
    }
}
