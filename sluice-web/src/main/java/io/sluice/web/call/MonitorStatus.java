package io.sluice.web.call;

import io.sluice.mailbox.Reply;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.web.http.ApiProblem;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The monitor daemon's counters ({@link MonitorStatusDescriptor}), asked through its mailbox, by name. */
public final class MonitorStatus {
    private static final Map<String, Integer> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("inSession", MonitorStatusDescriptor.IN_SESSION_OFFSET);
        FIELDS.put("connections", MonitorStatusDescriptor.CONNECTIONS_OFFSET);
        FIELDS.put("pending", MonitorStatusDescriptor.PENDING_OFFSET);
        FIELDS.put("unreachable", MonitorStatusDescriptor.UNREACHABLE_OFFSET);
        FIELDS.put("pollsSent", MonitorStatusDescriptor.POLLS_SENT_OFFSET);
        FIELDS.put("pollsAnswered", MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET);
        FIELDS.put("framesRefused", MonitorStatusDescriptor.FRAMES_REFUSED_OFFSET);
        FIELDS.put("throttlesSent", MonitorStatusDescriptor.THROTTLES_SENT_OFFSET);
        FIELDS.put("throttlesAcked", MonitorStatusDescriptor.THROTTLES_ACKED_OFFSET);
        FIELDS.put("pairs", MonitorStatusDescriptor.PAIRS_OFFSET);
        FIELDS.put("reportsDropped", MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET);
        FIELDS.put("volumesDropped", MonitorStatusDescriptor.VOLUMES_DROPPED_OFFSET);
        FIELDS.put("reportsLost", MonitorStatusDescriptor.REPORTS_LOST_OFFSET);
    }

    private MonitorStatus() {
    }

    /** Every counter by name, in the descriptor's order; {@link ApiProblem#unavailable} when the monitor cannot answer. */
    public static Map<String, Long> ask(CalleeLink monitor) {
        Reply reply = monitor.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]);
        if (reply.status() != 0 || reply.result().length < MonitorStatusDescriptor.LENGTH) {
            throw ApiProblem.unavailable("monitor status answered " + reply.statusName());
        }
        ByteBuffer b = ByteBuffer.wrap(reply.result());
        Map<String, Long> counters = new LinkedHashMap<>();
        FIELDS.forEach((name, offset) -> counters.put(name, b.getLong(offset)));
        return counters;
    }
}
