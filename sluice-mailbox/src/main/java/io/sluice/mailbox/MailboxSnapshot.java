package io.sluice.mailbox;

import io.sluice.common.ProcessIdentity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * A point-in-time copy of a mailbox for third parties (any process may inspect a mailbox, since its slots are the
 * record of every call; docs/design.md, "Inspection and the watchdog"): header, callee and caller entries, and every
 * slot that is not free. Taken without locks, so each slot is self-consistent only up to its state word; good enough to
 * show and to judge.
 */
public record MailboxSnapshot(
        String file,
        MailboxGeometry geometry,
        long creatorPid,
        long createdAt,
        long epoch,
        long takenAt,
        List<Party> callees,
        List<Party> callers,
        List<Slot> slots,
        int freeSlots) {

    /**
     * A callee or caller entry; {@code served} is a callee's, {@code generation} a caller's (see {@link EntryInfo}).
     */
    public record Party(
            int index,
            long pid,
            boolean alive,
            long heartbeat,
            long heartbeatAgeMs,
            long attachedAt,
            long served,
            long generation) {}

    /** A slot that is not free. */
    public record Slot(
            int slot,
            String state,
            int opcode,
            long generation,
            int callerIndex,
            long correlationId,
            long callerPid,
            long calleePid,
            boolean calleeAlive,
            String status,
            String flags,
            int length,
            long ageMs,
            int deliveries,
            long lockOwnerPid,
            boolean lockOwnerAlive,
            boolean corrupt) {}

    public static MailboxSnapshot take(Mailbox mailbox) {
        long now = mailbox.clock().epochMillis();
        MailboxGeometry g = mailbox.geometry();
        List<Party> callees = new ArrayList<>();
        for (int i = 0; i < g.maxCallees(); i++) {
            EntryInfo e = mailbox.calleeEntry(i);
            if (e.inUse()) {
                callees.add(party(e, now));
            }
        }
        List<Party> callers = new ArrayList<>();
        for (int i = 0; i < g.maxCallers(); i++) {
            EntryInfo e = mailbox.callerEntry(i);
            if (e.inUse()) {
                callers.add(party(e, now));
            }
        }
        List<Slot> slots = new ArrayList<>();
        int free = 0;
        Map<Long, Boolean> alive = new HashMap<>();
        LongPredicate isAlive = token -> token != 0 && alive.computeIfAbsent(token, ProcessIdentity::isAlive);
        for (int i = 0; i < g.slotCount(); i++) {
            SlotInfo s = mailbox.slotInfo(i);
            if (s.state() == SlotState.FREE && s.lockOwner() == 0) {
                free++;
                continue;
            }
            boolean corrupt = !mailbox.isSlotSane(i);
            long since = switch (s.state()) {
                case SlotState.TAKEN -> s.takenAt();
                case SlotState.DONE -> s.completedAt();
                default -> s.postedAt();
            };
            slots.add(new Slot(
                    i,
                    SlotState.name(s.state()),
                    s.opcode(),
                    s.generation(),
                    s.callerIndex(),
                    s.correlationId(),
                    pidOf(callerToken(mailbox, s.callerIndex())),
                    pidOf(s.calleeToken()),
                    isAlive.test(s.calleeToken()),
                    MailboxStatus.name(s.status()),
                    SlotFlags.describe(s.flags()),
                    s.length(),
                    since == 0 ? 0 : Math.max(0, now - since),
                    s.deliveries(),
                    pidOf(s.lockOwner()),
                    isAlive.test(s.lockOwner()),
                    corrupt));
        }
        return new MailboxSnapshot(
                mailbox.file().toString(),
                g,
                pidOf(mailbox.creatorToken()),
                mailbox.createdAt(),
                mailbox.epoch(),
                now,
                callees,
                callers,
                slots,
                free);
    }

    private static Party party(EntryInfo e, long now) {
        return new Party(
                e.index(),
                e.pid(),
                e.alive(),
                e.heartbeat(),
                Math.max(0, now - e.heartbeat()),
                e.attachedAt(),
                e.served(),
                e.generation());
    }

    private static long callerToken(Mailbox mailbox, int callerIndex) {
        return callerIndex >= 0 && callerIndex < mailbox.geometry().maxCallers()
                ? mailbox.callerEntry(callerIndex).token()
                : 0;
    }

    private static long pidOf(long token) {
        return token == 0 ? 0 : ProcessIdentity.pidOf(token);
    }
}
