package io.sluice.protocol;

/**
 * Status codes of the database manager's and the SLA services' calls (sample batches and JSON requests, see
 * {@code JSON-CALLS.md}). Every status other than {@link #OK} comes with a JSON problem as the result: {@code {"type":
 * "...", "title": "...", "detail": "...", "field": "...", "rule": "..."}} (field and rule where they apply), which the
 * application server turns into an RFC 9457 response.
 */
public final class CallStatus {
    /** Done; for sample batches: durable (stored, or journaled to disk and fsynced). */
    public static final int OK = 0;
    /** The request broke a rule: a field is missing, malformed or out of range. HTTP 422. */
    public static final int INVALID = 1;
    /** The request was based on an old version, or would create a duplicate. HTTP 409. */
    public static final int CONFLICT = 2;
    /** The named thing does not exist. HTTP 404. */
    public static final int NOT_FOUND = 3;
    /** The callee cannot serve this now (database down and the journal full, still starting). HTTP 503. */
    public static final int UNAVAILABLE = 4;
    /** The request or its result exceeds what a slot holds; ask for less (limit, shorter range). HTTP 413. */
    public static final int TOO_LARGE = 5;
    /** The op or opcode is not one this callee serves. HTTP 400. */
    public static final int UNKNOWN_OP = 6;
    /** The callee failed; the detail says how. HTTP 500. */
    public static final int INTERNAL = 7;

    private CallStatus() {}

    public static String name(int status) {
        return switch (status) {
            case OK -> "ok";
            case INVALID -> "invalid";
            case CONFLICT -> "conflict";
            case NOT_FOUND -> "not-found";
            case UNAVAILABLE -> "unavailable";
            case TOO_LARGE -> "too-large";
            case UNKNOWN_OP -> "unknown-op";
            case INTERNAL -> "internal";
            default -> "status-" + status;
        };
    }
}
