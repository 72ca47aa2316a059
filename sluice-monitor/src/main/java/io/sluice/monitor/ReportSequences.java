package io.sluice.monitor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last STATS report sequence seen per gateway, across reconnects: a report sent again is dropped so the services
 * never count it twice, and a jump says reports were lost. The frames of a report split with FLAG_MORE share one
 * sequence; the sequence counts as seen once its last frame arrives. Each gateway's is a {@link Last} that its session
 * keeps, so a report is judged without a map look-up or a boxed number.
 */
final class ReportSequences {
    /** One gateway's last complete report sequence; outlives its sessions. */
    static final class Last {
        private volatile boolean seen;
        private volatile long sequence;
    }

    private final Map<Long, Last> lastComplete = new ConcurrentHashMap<>();
    private final MonitorCounters counters;

    ReportSequences(MonitorCounters counters) {
        this.counters = counters;
    }

    /**
     * True if the report (frame) should be handed on. Called by the inbound thread holding the session's reader token.
     */
    boolean accept(Session session, long reportSequence, boolean moreFollow) {
        Last last = session.lastReport;
        if (last == null) {
            last = lastComplete.computeIfAbsent(session.gatewayId, gatewayId -> new Last());
            session.lastReport = last;
        }
        if (last.seen) {
            long previous = last.sequence;
            if (reportSequence <= previous) {
                counters.reportsRepeated.increment();
                return false;
            }
            if (reportSequence > previous + 1) {
                counters.reportsLost.add(reportSequence - previous - 1);
            }
        }
        if (!moreFollow) {
            last.sequence = reportSequence;
            last.seen = true;
        }
        return true;
    }
}
