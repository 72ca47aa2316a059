package io.sluice.sim;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The secret and the quick timings the tests share. */
final class TestSims {
    static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.US_ASCII);

    /**
     * Ramp-up 100 ms, heartbeat 200 ms, handshake 2 s, backoff 50 ms..1 s, slow 300 ms, disconnect 300 ms, malformed
     * after 1 poll.
     */
    static final SimTimings QUICK = new SimTimings(100, 200, 2_000, 50, 1_000, 300, 300, 1);

    /** Every volume wants 2,000 IOPS, 70% reads, 4 KiB. */
    static final VolumeProfile STEADY = VolumeProfile.DEFAULTS.withDemand(2_000, 0.7, 4096);

    private TestSims() {}

    static SimContext.Builder quick(InetSocketAddress monitor, int gateways) {
        return SimContext.builder(monitor, SECRET)
                .gateways(gateways)
                .volumesPerGateway(2)
                .threads(1)
                .timings(QUICK)
                .volumes(STEADY);
    }
}
