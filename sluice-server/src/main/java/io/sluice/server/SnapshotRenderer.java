package io.sluice.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.MailboxWatchdog;
import java.time.Instant;
import java.util.List;

/** Renders a mailbox snapshot for people (aligned text) and for programs (JSON). */
final class SnapshotRenderer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotRenderer() {}

    static String json(MailboxSnapshot snapshot, List<MailboxWatchdog.Finding> findings) {
        ObjectNode node = JSON.valueToTree(snapshot);
        node.set("findings", JSON.valueToTree(findings));
        node.put("healthy", findings.isEmpty());
        return node.toString();
    }

    static String text(MailboxSnapshot s, List<MailboxWatchdog.Finding> findings) {
        StringBuilder out = new StringBuilder();
        out.append("mailbox   ").append(s.file()).append('\n');
        out.append("geometry  ")
                .append(s.geometry().slotCount())
                .append(" slots x ")
                .append(s.geometry().slotSize())
                .append(" B, ")
                .append(s.geometry().maxCallers())
                .append(" callers, ")
                .append(s.geometry().maxCallees())
                .append(" callees\n");
        out.append("created   ")
                .append(Instant.ofEpochMilli(s.createdAt()))
                .append(" by pid ")
                .append(s.creatorPid())
                .append(", epoch ")
                .append(s.epoch())
                .append('\n');
        out.append("slots     ")
                .append(s.freeSlots())
                .append(" free, ")
                .append(s.slots().size())
                .append(" in use\n");
        out.append("\ncallees\n");
        appendParties(out, s.callees(), true);
        out.append("\ncallers\n");
        appendParties(out, s.callers(), false);
        if (!s.slots().isEmpty()) {
            out.append("\n")
                    .append(String.format(
                            "%5s %-8s %7s %6s %20s %7s %7s %-14s %7s %9s %s%n",
                            "slot",
                            "state",
                            "opcode",
                            "caller",
                            "correlation",
                            "c.pid",
                            "callee",
                            "status",
                            "length",
                            "age ms",
                            "flags"));
            for (MailboxSnapshot.Slot slot : s.slots()) {
                out.append(String.format(
                        "%5d %-8s %7d %6d %20d %7d %7s %-14s %7d %9d %s%s%n",
                        slot.slot(),
                        slot.state(),
                        slot.opcode(),
                        slot.callerIndex(),
                        slot.correlationId(),
                        slot.callerPid(),
                        slot.calleePid() == 0 ? "-" : slot.calleePid() + (slot.calleeAlive() ? "" : "!"),
                        slot.status(),
                        slot.length(),
                        slot.ageMs(),
                        slot.flags(),
                        slot.lockOwnerPid() == 0
                                ? ""
                                : " locked by " + slot.lockOwnerPid() + (slot.lockOwnerAlive() ? "" : " (dead)")));
            }
        }
        out.append('\n');
        if (findings.isEmpty()) {
            out.append("healthy: no stuck slots, no dead or hung owners\n");
        } else {
            out.append("findings\n");
            for (MailboxWatchdog.Finding f : findings) {
                out.append("  ")
                        .append(f.kind())
                        .append(f.index() >= 0 ? " #" + f.index() : "")
                        .append(f.pid() != 0 ? " pid " + f.pid() : "")
                        .append(": ")
                        .append(f.detail())
                        .append('\n');
            }
        }
        return out.toString();
    }

    private static void appendParties(StringBuilder out, List<MailboxSnapshot.Party> parties, boolean callee) {
        if (parties.isEmpty()) {
            out.append("  (none attached)\n");
            return;
        }
        for (MailboxSnapshot.Party p : parties) {
            out.append(String.format(
                    "  #%-3d pid %-8d %-5s heartbeat %6d ms ago%s%n",
                    p.index(),
                    p.pid(),
                    p.alive() ? "alive" : "DEAD",
                    p.heartbeatAgeMs(),
                    callee ? ", served " + p.served() : ", generation " + p.generation()));
        }
    }
}
