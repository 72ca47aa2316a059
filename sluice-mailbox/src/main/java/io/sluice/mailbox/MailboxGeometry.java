package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

/**
 * The shape of a mailbox: how many slots of what size, and how many callers and callees can attach. Validated on
 * construction, so an invalid geometry never reaches the file.
 */
public record MailboxGeometry(int slotCount, int slotSize, int maxCallers, int maxCallees) {
    public static final MailboxGeometry DEFAULT = new MailboxGeometry(1024, 1024, 16, 4);

    public MailboxGeometry {
        if (slotCount < 1 || slotCount > MAX_SLOTS) {
            throw new IllegalArgumentException("slot count must be 1.." + MAX_SLOTS + ", was " + slotCount);
        }
        if (slotSize < MIN_SLOT_SIZE || slotSize > MAX_SLOT_SIZE || slotSize % CACHE_LINE != 0) {
            throw new IllegalArgumentException("slot size must be a multiple of " + CACHE_LINE + " in " + MIN_SLOT_SIZE
                    + ".." + MAX_SLOT_SIZE + ", was " + slotSize);
        }
        if (maxCallers < 1 || maxCallers > MAX_CALLERS) {
            throw new IllegalArgumentException("max callers must be 1.." + MAX_CALLERS + ", was " + maxCallers);
        }
        if (maxCallees < 1 || maxCallees > MAX_CALLEES) {
            throw new IllegalArgumentException("max callees must be 1.." + MAX_CALLEES + ", was " + maxCallees);
        }
    }

    public int paramCapacity() {
        return MailboxDescriptor.paramCapacity(slotSize);
    }

    public long fileLength() {
        return MailboxDescriptor.fileLength(slotCount, slotSize, maxCallers, maxCallees);
    }
}
