package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.SLOT_GENERATION_OFFSET;
import static io.sluice.mailbox.MailboxDescriptor.SLOT_LOCK_OFFSET;

import io.sluice.common.EpochClock;
import io.sluice.common.ProcessIdentity;
import java.util.concurrent.locks.LockSupport;

/**
 * The slots' locks: a binary semaphore per slot, a word in the slot's header holding the owner's process token (0 when
 * free). The token, not a thread, owns it, so a lock held by a process that died is recognised and broken instead of
 * waited on for ever; a live owner that keeps it too long gets its waiter a LOCK_TIMEOUT, never a hang.
 */
final class SlotLocks {
    static final long LOCK_TIMEOUT_MS = 5_000;
    /** Turns spent spinning before a contended lock's waiter starts checking the owner and parking. */
    private static final int SPIN_TURNS = 256;

    private final Mailbox mailbox;
    private final SharedMemory memory;
    private final long token;
    private final EpochClock clock;

    SlotLocks(Mailbox mailbox, SharedMemory memory, long token, EpochClock clock) {
        this.mailbox = mailbox;
        this.memory = memory;
        this.token = token;
        this.clock = clock;
    }

    /**
     * Takes exclusive access to a slot. Spins briefly, then parks; a lock whose owner process is dead is broken (taken
     * over) rather than waited on. Returns OK or LOCK_TIMEOUT when a live owner keeps it beyond
     * {@link #LOCK_TIMEOUT_MS}.
     */
    int lock(int slot) {
        long lockOffset = lockOffset(slot);
        if (memory.casLong(lockOffset, 0, token)) {
            return MailboxStatus.OK;
        }
        return lockContended(lockOffset);
    }

    private int lockContended(long lockOffset) {
        long deadline = 0;
        for (int attempt = 1; ; attempt++) {
            long owner = memory.getLongVolatile(lockOffset);
            if (owner == 0) {
                if (memory.casLong(lockOffset, 0, token)) {
                    return MailboxStatus.OK;
                }
                continue;
            }
            if (attempt < SPIN_TURNS) {
                Thread.onSpinWait();
                continue;
            }
            if ((attempt & 63) == 0 && !ProcessIdentity.isAlive(owner)) {
                if (memory.casLong(lockOffset, owner, token)) {
                    return MailboxStatus.OK;
                }
                continue;
            }
            long now = clock.epochMillis();
            if (deadline == 0) {
                deadline = now + LOCK_TIMEOUT_MS;
            } else if (now > deadline) {
                return MailboxStatus.LOCK_TIMEOUT;
            }
            LockSupport.parkNanos(10_000);
        }
    }

    void unlock(int slot) {
        memory.putLongRelease(lockOffset(slot), 0);
    }

    /**
     * Locks the slot of the call {@code handle} names: the slot, locked, while the slot still holds that call (its
     * generation unchanged); else STALE_HANDLE, or the lock's failure (LOCK_TIMEOUT), with nothing locked.
     */
    int lockCall(long handle) {
        if (!mailbox.isValidHandle(handle)) {
            return MailboxStatus.STALE_HANDLE;
        }
        int slot = CallHandle.slotOf(handle);
        int rc = lock(slot);
        if (rc != MailboxStatus.OK) {
            return rc;
        }
        if (memory.getLong(mailbox.slotOffset(slot) + SLOT_GENERATION_OFFSET) != CallHandle.generationOf(handle)) {
            unlock(slot);
            return MailboxStatus.STALE_HANDLE;
        }
        return slot;
    }

    /** Breaks the lock of a slot if its owner is dead; true if it did. */
    boolean breakIfOwnerDead(int slot) {
        long lockOffset = lockOffset(slot);
        long owner = memory.getLongVolatile(lockOffset);
        return owner != 0 && !ProcessIdentity.isAlive(owner) && memory.casLong(lockOffset, owner, 0);
    }

    private long lockOffset(int slot) {
        return mailbox.slotOffset(slot) + SLOT_LOCK_OFFSET;
    }
}
