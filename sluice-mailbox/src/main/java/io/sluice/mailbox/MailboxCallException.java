package io.sluice.mailbox;

/** A call that could not be posted or completed, with the {@link MailboxStatus} that says why. */
public final class MailboxCallException extends MailboxException {
    private final int status;

    public MailboxCallException(int status, String message) {
        super(message + ": " + MailboxStatus.name(status));
        this.status = status;
    }

    public int status() {
        return status;
    }
}
