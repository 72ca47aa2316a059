package io.sluice.services.daemon;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Consumer;

/**
 * A caller's attachment to a mailbox file another process owns and may remove or create again (the database manager's):
 * attached when the file appears, let go when it is gone or is another file than the one mapped (its identity, the
 * inode, changed), looked at no more often than every {@code lookEveryMillis} either way, so a loop can ask every turn
 * without a file-system call per turn.
 *
 * <p>Not thread-safe: one loop thread attaches, detaches and calls through {@link #caller()}.
 */
final class MailboxAttachment implements AutoCloseable {
    private final Path file;
    private final EpochClock clock;
    private final int callerIndex;
    private final long lookEveryMillis;
    private Mailbox mailbox;
    private MailboxCaller caller;
    private long nextLookAt;
    /** The identity (inode) of the mailbox file mapped, to notice when it is replaced. */
    private Object attachedKey;

    MailboxAttachment(Path file, EpochClock clock, int callerIndex, long lookEveryMillis) {
        this.file = file;
        this.clock = clock;
        this.callerIndex = callerIndex;
        this.lookEveryMillis = lookEveryMillis;
    }

    Path file() {
        return file;
    }

    boolean attached() {
        return caller != null;
    }

    /** The caller end while attached, else null. */
    MailboxCaller caller() {
        return caller;
    }

    /**
     * While detached, at most every {@code lookEveryMillis}: attaches when the file exists. Returns whether it is
     * attached now; a file that exists and cannot be opened is told to {@code onFailure} and tried again later.
     */
    boolean tryAttach(Consumer<String> onFailure) {
        if (caller != null) {
            return true;
        }
        long now = clock.epochMillis();
        if (now < nextLookAt) {
            return false;
        }
        nextLookAt = now + lookEveryMillis;
        if (!Files.exists(file)) {
            return false;
        }
        try {
            attachedKey = fileKey();
            mailbox = Mailbox.open(file, clock);
            caller = MailboxCaller.attach(mailbox, callerIndex);
        } catch (RuntimeException e) {
            onFailure.accept("cannot attach to " + file + ": " + e.getMessage());
            if (mailbox != null) {
                mailbox.close();
                mailbox = null;
            }
            return false;
        }
        return true;
    }

    /**
     * While attached, at most every {@code lookEveryMillis}: true when the mailbox file is gone or is another file than
     * the one mapped (its owner removed it and created it again).
     */
    boolean replaced() {
        if (caller == null) {
            return false;
        }
        long now = clock.epochMillis();
        if (now < nextLookAt) {
            return false;
        }
        nextLookAt = now + lookEveryMillis;
        Object key = fileKey();
        return key == null || !key.equals(attachedKey);
    }

    /** Lets go of the mailbox; the file is looked for again at once. */
    void detach() {
        caller.close();
        mailbox.close();
        caller = null;
        mailbox = null;
        nextLookAt = 0;
    }

    private Object fileKey() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (caller != null) {
            caller.close();
            mailbox.close();
        }
    }
}
