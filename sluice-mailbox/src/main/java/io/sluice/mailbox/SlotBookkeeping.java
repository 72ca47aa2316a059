package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

/**
 * A slot's second header line, kept by callees and recovery under the slot's lock: how often its call was delivered and
 * when it was last taken and completed. The line is valid only while its delivery generation is the slot's generation,
 * so a new call in the slot starts from zero without anyone clearing the line at post.
 */
final class SlotBookkeeping {
    private final SharedMemory memory;

    SlotBookkeeping(SharedMemory memory) {
        this.memory = memory;
    }

    private boolean current(long base) {
        return memory.getLong(base + SLOT_DELIVERY_GENERATION_OFFSET) == memory.getLong(base + SLOT_GENERATION_OFFSET);
    }

    int deliveries(long base) {
        return current(base) ? memory.getInt(base + SLOT_DELIVERIES_OFFSET) : 0;
    }

    long takenAt(long base) {
        return current(base) ? memory.getLong(base + SLOT_TAKEN_AT_OFFSET) : 0;
    }

    long completedAt(long base) {
        return current(base) ? memory.getLong(base + SLOT_COMPLETED_AT_OFFSET) : 0;
    }

    /** Records one more delivery of the call in a slot; caller holds the lock. */
    void recordTake(long base, long now) {
        long generation = memory.getLong(base + SLOT_GENERATION_OFFSET);
        if (memory.getLong(base + SLOT_DELIVERY_GENERATION_OFFSET) == generation) {
            memory.putInt(base + SLOT_DELIVERIES_OFFSET, memory.getInt(base + SLOT_DELIVERIES_OFFSET) + 1);
        } else {
            memory.putLong(base + SLOT_DELIVERY_GENERATION_OFFSET, generation);
            memory.putInt(base + SLOT_DELIVERIES_OFFSET, 1);
            memory.putLong(base + SLOT_COMPLETED_AT_OFFSET, 0);
        }
        memory.putLong(base + SLOT_TAKEN_AT_OFFSET, now);
    }

    /** Records when the call in a slot finished (taken or not); caller holds the lock. */
    void recordCompletion(long base, long now) {
        long generation = memory.getLong(base + SLOT_GENERATION_OFFSET);
        if (memory.getLong(base + SLOT_DELIVERY_GENERATION_OFFSET) != generation) {
            memory.putLong(base + SLOT_DELIVERY_GENERATION_OFFSET, generation);
            memory.putInt(base + SLOT_DELIVERIES_OFFSET, 0);
            memory.putLong(base + SLOT_TAKEN_AT_OFFSET, 0);
        }
        memory.putLong(base + SLOT_COMPLETED_AT_OFFSET, now);
    }
}
