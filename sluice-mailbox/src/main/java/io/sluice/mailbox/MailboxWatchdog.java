package io.sluice.mailbox;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges a {@link MailboxSnapshot} so a supervisor can decide restarts: slots stuck past a deadline, parties that died,
 * callees whose heartbeat stopped while the process still runs (hung), and corrupt slots. It only reports; acting is
 * the supervisor's job.
 */
public final class MailboxWatchdog {
    private final long stuckAfterMs;
    private final long heartbeatTimeoutMs;

    public MailboxWatchdog(long stuckAfterMs, long heartbeatTimeoutMs) {
        this.stuckAfterMs = stuckAfterMs;
        this.heartbeatTimeoutMs = heartbeatTimeoutMs;
    }

    public enum Kind {
        /** A call posted or taken longer ago than the deadline. */
        STUCK_SLOT,
        /** A slot lock whose owner process is gone (the next sweep breaks it). */
        DEAD_LOCK_OWNER,
        /** A slot whose header fields are out of range. */
        CORRUPT_SLOT,
        /** A registered callee whose process is gone. */
        DEAD_CALLEE,
        /** A callee process that is alive but has not beaten its heart within the timeout. */
        HUNG_CALLEE,
        /** A caller process that is gone while calls of its index wait in the mailbox. */
        DEAD_CALLER_WITH_CALLS,
        /** Calls are posted but no live callee is attached. */
        NO_CALLEE
    }

    public record Finding(Kind kind, int index, long pid, String detail) {}

    public List<Finding> check(MailboxSnapshot snapshot) {
        List<Finding> findings = new ArrayList<>();
        boolean anyLiveCallee = false;
        for (MailboxSnapshot.Party callee : snapshot.callees()) {
            if (!callee.alive()) {
                findings.add(new Finding(Kind.DEAD_CALLEE, callee.index(), callee.pid(), "callee process is gone"));
            } else {
                anyLiveCallee = true;
                if (callee.heartbeatAgeMs() > heartbeatTimeoutMs) {
                    findings.add(new Finding(
                            Kind.HUNG_CALLEE,
                            callee.index(),
                            callee.pid(),
                            "no heartbeat for " + callee.heartbeatAgeMs() + " ms"));
                }
            }
        }
        int posted = 0;
        for (MailboxSnapshot.Slot slot : snapshot.slots()) {
            if (slot.corrupt()) {
                findings.add(new Finding(
                        Kind.CORRUPT_SLOT,
                        slot.slot(),
                        0,
                        "state " + slot.state() + ", caller " + slot.callerIndex() + ", length " + slot.length()));
                continue;
            }
            if (slot.lockOwnerPid() != 0 && !slot.lockOwnerAlive()) {
                findings.add(new Finding(
                        Kind.DEAD_LOCK_OWNER, slot.slot(), slot.lockOwnerPid(), "lock held by a dead process"));
            }
            boolean waiting = slot.state().equals("POSTED") || slot.state().equals("TAKEN");
            if (slot.state().equals("POSTED")) {
                posted++;
            }
            if (waiting && slot.ageMs() > stuckAfterMs) {
                findings.add(new Finding(
                        Kind.STUCK_SLOT,
                        slot.slot(),
                        slot.calleePid(),
                        slot.state() + " opcode " + slot.opcode() + " for " + slot.ageMs() + " ms"));
            }
        }
        for (MailboxSnapshot.Party caller : snapshot.callers()) {
            if (!caller.alive()) {
                long calls = snapshot.slots().stream()
                        .filter(s -> s.callerIndex() == caller.index())
                        .count();
                if (calls > 0) {
                    findings.add(new Finding(
                            Kind.DEAD_CALLER_WITH_CALLS,
                            caller.index(),
                            caller.pid(),
                            calls + " calls wait for caller " + caller.index() + " to re-attach"));
                }
            }
        }
        if (posted > 0 && !anyLiveCallee) {
            findings.add(new Finding(Kind.NO_CALLEE, -1, 0, posted + " calls posted, no live callee attached"));
        }
        return findings;
    }
}
