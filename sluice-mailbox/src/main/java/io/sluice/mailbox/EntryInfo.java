package io.sluice.mailbox;

import io.sluice.common.ProcessIdentity;

/**
 * A copy of one callee or caller table entry. {@code token == 0} means the entry is unused. {@code served} is a
 * callee's count of calls (0 for a caller); {@code generation} a caller's count of the processes that bound its index
 * (0 for a callee).
 */
public record EntryInfo(int index, long token, long heartbeat, long attachedAt, long served, long generation) {
    public boolean inUse() {
        return token != 0;
    }

    public long pid() {
        return token == 0 ? 0 : ProcessIdentity.pidOf(token);
    }

    public boolean alive() {
        return ProcessIdentity.isAlive(token);
    }
}
