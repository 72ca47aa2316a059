package io.sluice.protocol;

/** AUTH_RESULT's outcome byte. */
public enum AuthOutcome {
    /** Known (or enrolled by token) and the answer was right: the session is open. */
    ACCEPTED(1),
    /** Recorded, but waits for an admin's approval. */
    PENDING(2),
    /** Wrong answer, revoked, or otherwise not welcome; {@link AuthReason} says which. */
    REFUSED(3);

    private static final AuthOutcome[] BY_CODE = {null, ACCEPTED, PENDING, REFUSED};

    private final int code;

    AuthOutcome(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The outcome with this code, or null when there is none. */
    public static AuthOutcome fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
