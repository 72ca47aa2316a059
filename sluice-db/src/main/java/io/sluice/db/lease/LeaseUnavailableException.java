package io.sluice.db.lease;

/** The database could not be reached, or the connection broke or timed out during a lease statement. */
public final class LeaseUnavailableException extends LeaseStoreException {
    public LeaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
