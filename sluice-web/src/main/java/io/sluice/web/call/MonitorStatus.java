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
    private MonitorStatus() {}

    /**
     * Every counter by name, in the descriptor's order; {@link ApiProblem#unavailable} when the monitor cannot answer.
     */
    public static Map<String, Long> ask(CalleeLink monitor) {
        Reply reply = monitor.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]);
        if (reply.status() != 0 || reply.result().length < MonitorStatusDescriptor.LENGTH) {
            throw ApiProblem.unavailable("monitor status answered " + reply.statusName());
        }
        ByteBuffer b = ByteBuffer.wrap(reply.result());
        Map<String, Long> counters = new LinkedHashMap<>();
        for (int i = 0; i < MonitorStatusDescriptor.NAMES.size(); i++) {
            counters.put(MonitorStatusDescriptor.NAMES.get(i), b.getLong(8 * i));
        }
        return counters;
    }
}
