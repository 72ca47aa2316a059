package io.sluice.mailbox;

import java.nio.file.Path;

/** A mailbox file that cannot be used: it is not ours, damaged, or laid out differently. */
public final class MailboxFormatException extends MailboxException {
    public enum Reason {
        /** The file does not exist. */
        MISSING,
        /** Shorter than its header, or than the layout its header describes. */
        TRUNCATED,
        /** Does not start with the mailbox magic: some other file. */
        FOREIGN,
        /** A mailbox of another layout version. */
        WRONG_VERSION,
        /** Header fields out of range. */
        CORRUPT,
        /** A valid mailbox, but not with the geometry the opener asked for. */
        GEOMETRY_MISMATCH,
        /** Another user owns the file or its directory, or may read or change it: never opened. */
        NOT_PRIVATE
    }

    private final Path file;
    private final Reason reason;

    public MailboxFormatException(Path file, Reason reason, String detail) {
        super(file + ": " + reason.name().toLowerCase().replace('_', ' ') + ": " + detail);
        this.file = file;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public Reason reason() {
        return reason;
    }
}
