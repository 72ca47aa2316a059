package io.sluice.services.control;

import java.util.List;

/** Where the analyzer's changed parameter sets go: the monitor's mailbox in the process, a list in tests. */
@FunctionalInterface
public interface ThrottleSink {
    /** {@code sets} holds only the volumes whose parameters changed, each with a new, higher version. */
    void send(long gatewayId, List<ThrottleParams> sets);
}
