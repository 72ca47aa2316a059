package io.sluice.db.lease;

/** The lease statement failed in the database (a schema not migrated, a refused statement). */
public class LeaseStoreException extends Exception {
    public LeaseStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
