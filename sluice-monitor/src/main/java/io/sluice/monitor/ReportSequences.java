package io.sluice.monitor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last STATS report sequence seen per gateway, across reconnects: a report sent again is dropped so the services
 * never count it twice, and a jump says reports were lost. The frames of a report split with FLAG_MORE share one
 * sequence; the sequence counts as seen once its last frame arrives.
 */
final class ReportSequences {
    private final Map<Long, Long> lastComplete = new ConcurrentHashMap<>();
    private final MonitorCounters counters;

    ReportSequences(MonitorCounters counters) {
        this.counters = counters;
    }

    /** True if the report (frame) should be handed on. Called by the inbound thread that owns the gateway's session. */
    boolean accept(long gatewayId, long reportSequence, boolean moreFollow) {
        Long last = lastComplete.get(gatewayId);
        if (last != null && reportSequence <= last) {
            counters.reportsRepeated.increment();
            return false;
        }
        if (last != null && reportSequence > last + 1) {
            counters.reportsLost.add(reportSequence - last - 1);
        }
        if (!moreFollow) {
            lastComplete.put(gatewayId, reportSequence);
        }
        return true;
    }
}
