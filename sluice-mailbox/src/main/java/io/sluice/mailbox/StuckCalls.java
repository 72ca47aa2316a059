package io.sluice.mailbox;

/**
 * Calls a callee took and has not answered within a deadline, for the callee's own health check: a handler that blocks
 * on something that never comes, or a deferred reply whose handle was lost, holds its caller's slot (and the caller)
 * for good while the loop itself keeps turning, so a loop watch alone would not see it. Reads a {@link MailboxSnapshot}
 * of the mailbox, without locks; call it from a supervising thread about once a second.
 */
public final class StuckCalls {
    private final Mailbox mailbox;
    private final long deadlineMillis;

    /** @param deadlineMillis longer than any call this callee may legitimately keep (deferred replies included) */
    public StuckCalls(Mailbox mailbox, long deadlineMillis) {
        this.mailbox = mailbox;
        this.deadlineMillis = deadlineMillis;
    }

    /**
     * Null when every taken call is younger than the deadline; else the oldest stuck one, for a log line and the role's
     * exit.
     */
    public String problem() {
        MailboxSnapshot.Slot oldest = null;
        int stuck = 0;
        for (MailboxSnapshot.Slot slot : MailboxSnapshot.take(mailbox).slots()) {
            if (slot.state().equals(SlotState.name(SlotState.TAKEN)) && slot.ageMs() > deadlineMillis) {
                stuck++;
                if (oldest == null || slot.ageMs() > oldest.ageMs()) {
                    oldest = slot;
                }
            }
        }
        return oldest == null
                ? null
                : stuck + " call(s) taken and not answered in " + mailbox.file().getFileName()
                        + ": slot " + oldest.slot() + " (opcode 0x" + Integer.toHexString(oldest.opcode()) + ", caller "
                        + oldest.callerIndex() + ") for " + oldest.ageMs() + " ms";
    }
}
