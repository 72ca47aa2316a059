package io.sluice.db.ingest;

/** Answers a deferred DB_APPEND_SAMPLES call: OK once durable, or a typed problem. */
@FunctionalInterface
public interface BatchCompletion {
    /** {@code status} is a CallStatus; {@code detail} is null for OK. */
    void complete(long handle, int status, String detail);
}
