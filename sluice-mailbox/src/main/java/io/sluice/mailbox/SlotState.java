package io.sluice.mailbox;

/**
 * States of a mailslot. A call moves FREE -> POSTED -> TAKEN -> DONE -> FREE; a revocation moves a POSTED call straight
 * to DONE with status CANCELLED; recovery moves a TAKEN call of a dead callee back to POSTED (idempotent) or to DONE
 * with status ABANDONED.
 */
public final class SlotState {
    public static final int FREE = 0;
    /** The caller has written a request; no callee has taken it yet. Revocable and modifiable. */
    public static final int POSTED = 1;
    /** A callee is processing the request; cancellation only raises a flag the callee sees. */
    public static final int TAKEN = 2;
    /** The result (or CANCELLED / ABANDONED) is in the slot, waiting for its caller. */
    public static final int DONE = 3;

    private SlotState() {}

    public static boolean isValid(int state) {
        return state >= FREE && state <= DONE;
    }

    public static String name(int state) {
        return switch (state) {
            case FREE -> "FREE";
            case POSTED -> "POSTED";
            case TAKEN -> "TAKEN";
            case DONE -> "DONE";
            default -> "CORRUPT(" + state + ")";
        };
    }
}
