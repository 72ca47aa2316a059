package io.sluice.mailbox;

import java.nio.file.Path;

/**
 * A caller index could not be bound to this process because another live process holds it (same pid and start time as
 * the entry's token): attaching would steal a running caller's calls and replies. A dead holder, or an entry whose
 * token names no possible process (corrupt), is taken over instead, and said so in {@link MailboxCaller#resumption()}.
 */
public final class CallerEntryException extends MailboxException {
    private final int callerIndex;
    private final long holderPid;

    public CallerEntryException(Path file, int callerIndex, long holderPid) {
        super(file + ": caller " + callerIndex + " is held by live pid " + holderPid);
        this.callerIndex = callerIndex;
        this.holderPid = holderPid;
    }

    public int callerIndex() {
        return callerIndex;
    }

    public long holderPid() {
        return holderPid;
    }
}
