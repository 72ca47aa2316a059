package io.sluice.mailbox;

/** A finished call as the future-based {@link MailboxClient} delivers it: a copy, safe to keep. */
public record Reply(long correlationId, int opcode, int status, int flags, int deliveries, byte[] result) {
    public boolean isOk() {
        return status >= 0;
    }

    public String statusName() {
        return MailboxStatus.name(status);
    }
}
