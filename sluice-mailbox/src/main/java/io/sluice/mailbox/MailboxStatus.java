package io.sluice.mailbox;

/**
 * Status codes. A call's result status is {@code >= 0} when the callee handled it (0 = OK, other non-negative values
 * are the callee's own result codes) and negative when the mailbox itself decided the outcome. Methods on the hot path
 * return these codes instead of throwing.
 */
public final class MailboxStatus {
    public static final int OK = 0;
    /** The call was revoked before (or while) the callee handled it. */
    public static final int CANCELLED = -1;
    /** The callee died while holding a call that is not idempotent; it may or may not have run. */
    public static final int ABANDONED = -2;
    /** The callee does not know the operation code. */
    public static final int UNKNOWN_OPCODE = -3;
    /** The callee's handler failed; the result region holds a UTF-8 message. */
    public static final int CALLEE_FAILED = -4;
    /** The parameters (or result) do not fit the slot's parameter region. */
    public static final int TOO_LARGE = -5;
    /** No free slot: the callee is behind. Back off and retry. */
    public static final int MAILBOX_FULL = -6;
    /** The handle no longer names this call (it completed, or the slot was reused). */
    public static final int STALE_HANDLE = -7;
    /** The call is past the point where the operation can apply (e.g. modify after take). */
    public static final int TOO_LATE = -8;
    /** Cancellation recorded; the callee that holds the call will see it. */
    public static final int CANCEL_REQUESTED = -9;
    /** A slot lock stayed held by a live process beyond the lock timeout. */
    public static final int LOCK_TIMEOUT = -10;
    /** The slot's header fields are out of range; it was left untouched and reported. */
    public static final int CORRUPT_SLOT = -11;
    /** The request's parameters were malformed for its operation code. */
    public static final int BAD_REQUEST = -12;

    private MailboxStatus() {}

    public static String name(int status) {
        return switch (status) {
            case OK -> "OK";
            case CANCELLED -> "CANCELLED";
            case ABANDONED -> "ABANDONED";
            case UNKNOWN_OPCODE -> "UNKNOWN_OPCODE";
            case CALLEE_FAILED -> "CALLEE_FAILED";
            case TOO_LARGE -> "TOO_LARGE";
            case MAILBOX_FULL -> "MAILBOX_FULL";
            case STALE_HANDLE -> "STALE_HANDLE";
            case TOO_LATE -> "TOO_LATE";
            case CANCEL_REQUESTED -> "CANCEL_REQUESTED";
            case LOCK_TIMEOUT -> "LOCK_TIMEOUT";
            case CORRUPT_SLOT -> "CORRUPT_SLOT";
            case BAD_REQUEST -> "BAD_REQUEST";
            default -> status >= 0 ? "OK(" + status + ")" : "ERROR(" + status + ")";
        };
    }
}
