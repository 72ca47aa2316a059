package io.sluice.db.copy;

/** A copy that cannot start or cannot finish; the message says what to do about it. */
public class DatabaseCopyException extends Exception {
    public DatabaseCopyException(String message) {
        super(message);
    }

    public DatabaseCopyException(String message, Throwable cause) {
        super(message, cause);
    }
}
