package io.sluice.mailbox;

import io.sluice.common.EpochClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A caller's attachment to a mailbox file another process owns and may remove or create again (a database manager run
 * on its own creates its mailbox; an operator or systemd's RemoveIPC may delete it): the file mapped and a caller end
 * {@code E} attached when the file appears, both let go when the file is gone or is another file than the one mapped
 * (its identity, the inode, changed), the file looked at no more often than every {@code lookEveryMillis} either way,
 * so a caller can ask before every call without a file-system call per call. Without this a caller keeps the mapping of
 * a deleted file, whose callee never comes back, and every call fails until the caller's process restarts.
 *
 * <p>Not thread-safe: one thread, or callers holding one lock, attach, detach and call through {@link #end()}.
 */
public final class MailboxAttachment<E> implements AutoCloseable {
    private final Path file;
    private final EpochClock clock;
    private final long lookEveryMillis;
    private final Function<Mailbox, E> attachEnd;
    private final Consumer<E> releaseEnd;
    private Mailbox mailbox;
    private E end;
    private long nextLookAt;
    /** The identity (inode) of the mailbox file mapped, to notice when it is replaced. */
    private Object attachedKey;

    /**
     * {@code attachEnd} makes the caller end on a freshly mapped mailbox (a {@link MailboxCaller} or a
     * {@link MailboxClient}) and may throw to refuse; {@code releaseEnd} closes it.
     */
    public MailboxAttachment(
            Path file, EpochClock clock, long lookEveryMillis, Function<Mailbox, E> attachEnd, Consumer<E> releaseEnd) {
        this.file = file;
        this.clock = clock;
        this.lookEveryMillis = lookEveryMillis;
        this.attachEnd = attachEnd;
        this.releaseEnd = releaseEnd;
    }

    public Path file() {
        return file;
    }

    public boolean attached() {
        return end != null;
    }

    /** The caller end while attached, else null. */
    public E end() {
        return end;
    }

    /** The mailbox mapped while attached, else null. */
    public Mailbox mailbox() {
        return mailbox;
    }

    /**
     * While detached, at most every {@code lookEveryMillis}: attaches when the file exists. Returns whether it is
     * attached now; a file that exists and cannot be opened, or whose caller end cannot be attached, is told to
     * {@code onFailure} and tried again later.
     */
    public boolean tryAttach(Consumer<String> onFailure) {
        if (end != null) {
            return true;
        }
        if (!lookNow()) {
            return false;
        }
        if (!Files.exists(file)) {
            return false;
        }
        try {
            attachedKey = fileKey();
            mailbox = Mailbox.open(file, clock);
            end = attachEnd.apply(mailbox);
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
    public boolean replaced() {
        if (end == null || !lookNow()) {
            return false;
        }
        Object key = fileKey();
        return key == null || !key.equals(attachedKey);
    }

    /** Lets go of the caller end and the mailbox; the file is looked for again at once. */
    public void detach() {
        release();
        nextLookAt = 0;
    }

    private boolean lookNow() {
        long now = clock.epochMillis();
        if (now < nextLookAt) {
            return false;
        }
        nextLookAt = now + lookEveryMillis;
        return true;
    }

    private void release() {
        if (end != null) {
            releaseEnd.accept(end);
            mailbox.close();
            end = null;
            mailbox = null;
        }
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
        release();
    }
}
