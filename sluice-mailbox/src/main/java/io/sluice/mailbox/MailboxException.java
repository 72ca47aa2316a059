package io.sluice.mailbox;

/** Base of the mailbox's typed errors. */
public class MailboxException extends RuntimeException {
    public MailboxException(String message) {
        super(message);
    }

    public MailboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
