package io.sluice.monitor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A monitor daemon in a process of its own, for tests that must not share its heap: prints {@code listening PORT}, then
 * checks its health every 100 ms and exits 4 with {@code unhealthy: ...} as soon as a thread died or stalled (as
 * {@code sluice monitor} does); exits 0 when its standard input closes. Arguments: monitor mailbox, services mailbox,
 * handshake timeout (ms). Polls every 500 ms and bears 20 missed ones before it calls a gateway unreachable, so a
 * loaded machine does not drop the test's gateway.
 */
public final class MonitorProcessMain {
    static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    private MonitorProcessMain() {}

    public static void main(String[] args) throws Exception {
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), Path.of(args[0]), Path.of(args[1]), SECRET)
                .withApproved(Set.of(1L))
                .withPolling(500, 20)
                .withPairs(1, 10)
                .withHandshake(Long.parseLong(args[2]), MonitorContext.UnauthenticatedLimits.DEFAULTS);
        try (MonitorDaemon daemon = new MonitorDaemon(context)) {
            System.out.println("listening " + daemon.address().getPort());
            System.out.flush();
            Thread stdin = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // the parent keeps it open while it wants this process
                    }
                } catch (IOException ignored) {
                    // closed: time to go
                }
            });
            while (stdin.isAlive()) {
                List<String> problems = daemon.problems();
                if (!problems.isEmpty()) {
                    System.out.println("unhealthy: " + String.join("; ", problems));
                    System.out.flush();
                    Runtime.getRuntime().halt(4);
                }
                Thread.sleep(100);
            }
        }
    }
}
