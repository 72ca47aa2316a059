package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import io.sluice.common.ProcessIdentity;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Restart and repair. Because a slot is the record of its call, any process can bring a mailbox back to a consistent
 * state after another process died at any instruction:
 *
 * <ul>
 *   <li>a slot lock held by a dead process is broken;
 *   <li>a free slot missing from the free bitmap (its allocator died) is returned to it;
 *   <li>a posted call missing from the request bitmap (its caller died before ringing) is announced;
 *   <li>a call taken by a dead callee is posted again if it is idempotent and has not already taken down
 *       {@link Mailbox#MAX_DELIVERIES} callees, and completed ABANDONED otherwise;
 *   <li>a finished call whose caller is alive is announced to it again (the ring may have been lost).
 * </ul>
 *
 * Every repair is safe to repeat and safe against live processes, because the hint bitmaps only say where to look and
 * every state change happens under the slot lock.
 */
public final class MailboxRecovery {
    private MailboxRecovery() {}

    /** What one sweep found and repaired. */
    public record SweepResult(
            int brokenLocks, int freed, int reannounced, int redelivered, int abandoned, int corrupt) {
        public int repairs() {
            return brokenLocks + freed + reannounced + redelivered + abandoned;
        }
    }

    public static SweepResult sweep(Mailbox mailbox) {
        mailbox.checkWritable();
        SharedMemory memory = mailbox.memory();
        int brokenLocks = 0;
        int freed = 0;
        int reannounced = 0;
        int redelivered = 0;
        int abandoned = 0;
        int corrupt = 0;
        // Liveness reads /proc; a sweep asks about the same few processes again and again.
        Map<Long, Boolean> alive = new HashMap<>();
        LongPredicate isAlive = token -> alive.computeIfAbsent(token, ProcessIdentity::isAlive);
        for (int slot = 0; slot < mailbox.geometry().slotCount(); slot++) {
            if (mailbox.locks().breakIfOwnerDead(slot)) {
                brokenLocks++;
            }
            long base = mailbox.slotOffset(slot);
            int state = memory.getIntVolatile(base + SLOT_STATE_OFFSET);
            if (state == SlotState.FREE) {
                if (!mailbox.bitmaps().isSet(mailbox.freeBitmapOffset(), slot)
                        && memory.getLongVolatile(base + SLOT_LOCK_OFFSET) == 0) {
                    mailbox.bitmaps().set(mailbox.freeBitmapOffset(), slot);
                    freed++;
                }
                continue;
            }
            if (!mailbox.isSlotSane(slot)) {
                corrupt++;
                continue;
            }
            switch (state) {
                case SlotState.POSTED -> {
                    if (!mailbox.bitmaps().isSet(mailbox.requestBitmapOffset(), slot)) {
                        mailbox.notifyCallees(slot);
                        reannounced++;
                    }
                }
                case SlotState.TAKEN -> {
                    long callee = memory.getLongVolatile(base + SLOT_CALLEE_TOKEN_OFFSET);
                    if (!isAlive.test(callee)) {
                        int outcome = recoverTaken(mailbox, slot);
                        if (outcome == SlotState.POSTED) {
                            redelivered++;
                        } else if (outcome == SlotState.DONE) {
                            abandoned++;
                        }
                    }
                }
                case SlotState.DONE -> {
                    int callerIndex = memory.getInt(base + SLOT_CALLER_INDEX_OFFSET);
                    long callerToken =
                            memory.getLongVolatile(mailbox.callerEntryOffset(callerIndex) + ENTRY_TOKEN_OFFSET);
                    if (isAlive.test(callerToken)
                            && !mailbox.bitmaps().isSet(mailbox.replyBitmapOffset(callerIndex), slot)) {
                        mailbox.notifyCaller(callerIndex, slot);
                        reannounced++;
                    }
                }
                default -> {}
            }
        }
        return new SweepResult(brokenLocks, freed, reannounced, redelivered, abandoned, corrupt);
    }

    /** Returns the state the slot was moved to, or -1 if it changed under us. */
    private static int recoverTaken(Mailbox mailbox, int slot) {
        SharedMemory memory = mailbox.memory();
        if (mailbox.locks().lock(slot) != MailboxStatus.OK) {
            return -1;
        }
        long base = mailbox.slotOffset(slot);
        int callerIndex;
        int outcome;
        try {
            long callee = memory.getLongVolatile(base + SLOT_CALLEE_TOKEN_OFFSET);
            if (memory.getIntVolatile(base + SLOT_STATE_OFFSET) != SlotState.TAKEN || ProcessIdentity.isAlive(callee)) {
                return -1;
            }
            int flags = memory.getInt(base + SLOT_FLAGS_OFFSET);
            int deliveries = mailbox.bookkeeping().deliveries(base);
            callerIndex = memory.getInt(base + SLOT_CALLER_INDEX_OFFSET);
            boolean redeliver = (flags & SlotFlags.IDEMPOTENT) != 0
                    && (flags & SlotFlags.CANCEL_REQUESTED) == 0
                    && deliveries < Mailbox.MAX_DELIVERIES;
            if (redeliver) {
                memory.putInt(base + SLOT_FLAGS_OFFSET, flags | SlotFlags.REDELIVERED);
                memory.putLong(base + SLOT_CALLEE_TOKEN_OFFSET, 0);
                memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.POSTED);
                outcome = SlotState.POSTED;
            } else {
                int status =
                        (flags & SlotFlags.CANCEL_REQUESTED) != 0 ? MailboxStatus.CANCELLED : MailboxStatus.ABANDONED;
                memory.putInt(base + SLOT_STATUS_OFFSET, status);
                memory.putInt(base + SLOT_LENGTH_OFFSET, 0);
                mailbox.bookkeeping().recordCompletion(base, mailbox.clock().epochMillis());
                memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.DONE);
                outcome = SlotState.DONE;
            }
        } finally {
            mailbox.locks().unlock(slot);
        }
        if (outcome == SlotState.POSTED) {
            mailbox.notifyCallees(slot);
        } else {
            mailbox.notifyCaller(callerIndex, slot);
        }
        return outcome;
    }

    /**
     * Claims a caller's entry: free, ours already, or held by a dead process (or by a token that names no possible
     * process: a corrupt entry). Returns the token it held before (0 when free); throws {@link CallerEntryException}
     * while a live process holds it.
     */
    static long claimCallerEntry(Mailbox mailbox, long entry, int callerIndex) {
        SharedMemory memory = mailbox.memory();
        long mine = mailbox.token();
        while (true) {
            long owner = memory.getLongVolatile(entry + ENTRY_TOKEN_OFFSET);
            if (owner == mine) {
                return owner;
            }
            if (owner != 0 && ProcessIdentity.pidOf(owner) != 0 && ProcessIdentity.isAlive(owner)) {
                throw new CallerEntryException(mailbox.file(), callerIndex, ProcessIdentity.pidOf(owner));
            }
            if (memory.casLong(entry + ENTRY_TOKEN_OFFSET, owner, mine)) {
                return owner;
            }
        }
    }

    /** Claims any free (or dead) callee entry; returns its index. */
    static int claimAnyEntry(Mailbox mailbox) {
        SharedMemory memory = mailbox.memory();
        int max = mailbox.geometry().maxCallees();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < max; i++) {
                long entry = mailbox.calleeEntryOffset(i);
                long owner = memory.getLongVolatile(entry + ENTRY_TOKEN_OFFSET);
                boolean claimable = pass == 0 ? owner == 0 : !ProcessIdentity.isAlive(owner);
                if (claimable && memory.casLong(entry + ENTRY_TOKEN_OFFSET, owner, mailbox.token())) {
                    return i;
                }
            }
        }
        throw new MailboxException(mailbox.file() + ": all " + max + " callee entries are held by live processes");
    }
}
