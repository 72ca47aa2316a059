package io.sluice.db.store;

/** The caller revoked the call before its transaction committed: rolled back, nothing written. */
public final class CallRevokedException extends RuntimeException {
    public CallRevokedException() {
        super("the caller revoked the call before it committed; rolled back", null, false, false);
    }
}
