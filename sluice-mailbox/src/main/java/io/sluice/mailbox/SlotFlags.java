package io.sluice.mailbox;

/** Bits of a mailslot's flags word. */
public final class SlotFlags {
    /** Set by the caller: the request may be delivered again if the callee dies while holding it. */
    public static final int IDEMPOTENT = 1;
    /** Someone revoked the call after a callee had taken it; the callee should stop early. */
    public static final int CANCEL_REQUESTED = 1 << 1;
    /** The request was rewritten in place while still posted ({@link Mailbox#modify}). */
    public static final int MODIFIED = 1 << 2;
    /** The callee's handler ran to completion (set even when the final status is CANCELLED). */
    public static final int EXECUTED = 1 << 3;
    /** The request was handed to a callee again after its first callee died. */
    public static final int REDELIVERED = 1 << 4;

    /** Flags a caller may set when posting; the rest belong to the mailbox. */
    public static final int CALLER_SETTABLE = IDEMPOTENT;

    private SlotFlags() {}

    public static String describe(int flags) {
        StringBuilder sb = new StringBuilder();
        append(sb, flags, IDEMPOTENT, "idempotent");
        append(sb, flags, CANCEL_REQUESTED, "cancel-requested");
        append(sb, flags, MODIFIED, "modified");
        append(sb, flags, EXECUTED, "executed");
        append(sb, flags, REDELIVERED, "redelivered");
        return sb.toString();
    }

    private static void append(StringBuilder sb, int flags, int bit, String name) {
        if ((flags & bit) != 0) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(name);
        }
    }
}
