package io.sluice.bench;

/**
 * One monitor at one fleet size in {@link MonitorBenchmark}. {@code connectSeconds}: from the simulator's start until
 * every gateway has a session (its ramp-up included); {@code connectCpuMsPerGateway}: the monitor's CPU from its start
 * until then, per gateway; {@code handshakes}: Sluice's peak handshakes in progress, times the bound stopped its
 * acceptor, and handshake timeouts.
 */
record MonitorRow(
        String kind,
        int gateways,
        double p50Ms,
        double p99Ms,
        double cpuMsPerSweep,
        int threads,
        long rssMb,
        double connectSeconds,
        double connectCpuMsPerGateway,
        String handshakes,
        String load,
        String note) {
    static MonitorRow failed(String kind, int gateways, Exception e) {
        return new MonitorRow(
                kind,
                gateways,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                -1,
                -1,
                Double.NaN,
                Double.NaN,
                "",
                LoadAverage.oneMinute(),
                "failed: " + e.getMessage());
    }
}
