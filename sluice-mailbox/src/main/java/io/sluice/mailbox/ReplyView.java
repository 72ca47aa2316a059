package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Flyweight over a finished call's slot, handed to a {@link ReplyHandler}. Reused; never retained. */
public final class ReplyView {
    private Mailbox mailbox;
    private int slot;
    private long base;
    private int length;
    private boolean inherited;

    void wrap(Mailbox mailbox, int slot, long base, int length, boolean inherited) {
        this.mailbox = mailbox;
        this.slot = slot;
        this.base = base;
        this.length = length;
        this.inherited = inherited;
    }

    /**
     * Whether the call was posted by an earlier incarnation of this caller index (a process that died or closed before
     * its reply came), so no state of this process is waiting for it.
     */
    public boolean inherited() {
        return inherited;
    }

    public long handle() {
        return CallHandle.of(mailbox.generation(slot), slot);
    }

    public int slot() {
        return slot;
    }

    public int opcode() {
        return mailbox.memory().getInt(base + SLOT_OPCODE_OFFSET);
    }

    public long correlationId() {
        return mailbox.memory().getLong(base + SLOT_CORRELATION_OFFSET);
    }

    /** {@link MailboxStatus}: >= 0 from the callee, negative from the mailbox. */
    public int status() {
        return mailbox.memory().getInt(base + SLOT_STATUS_OFFSET);
    }

    public int flags() {
        return mailbox.memory().getInt(base + SLOT_FLAGS_OFFSET);
    }

    public int deliveries() {
        return mailbox.bookkeeping().deliveries(base);
    }

    public long postedAt() {
        return mailbox.memory().getLong(base + SLOT_POSTED_AT_OFFSET);
    }

    public long completedAt() {
        return mailbox.bookkeeping().completedAt(base);
    }

    /** The slot's whole parameter region; the result occupies its first {@link #length()} bytes. */
    public MemorySegment result() {
        return mailbox.paramRegion(slot);
    }

    public int length() {
        return length;
    }

    public byte[] resultBytes() {
        return mailbox.paramRegion(slot).asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
