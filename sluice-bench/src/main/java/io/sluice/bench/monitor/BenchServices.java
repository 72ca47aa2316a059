package io.sluice.bench.monitor;

import java.nio.file.Path;

/** Starts the SLA services stand-in of the monitor benchmark in the caller's process. */
public final class BenchServices {
    private BenchServices() {}

    public static AutoCloseable standIn(Path servicesMailbox) {
        return SluiceSweepServer.servicesStandIn(servicesMailbox);
    }
}
