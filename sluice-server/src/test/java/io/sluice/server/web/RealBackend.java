package io.sluice.server.web;

import io.sluice.common.EpochClock;
import io.sluice.db.DbContext;
import io.sluice.db.DbManager;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.services.daemon.ServicesConfig;
import io.sluice.services.daemon.ServicesDaemon;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.web.harness.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The real database manager (embedded H2 under the test's directory), SLA services and monitor, in this JVM through
 * their public classes, started in the supervisor's order (each role's callees before its callers) and stopped in
 * reverse. They meet the web role only through the mailboxes, as in {@code sluice server --single-process}.
 */
final class RealBackend implements Backend {
    static final byte[] SECRET = "web-route-tests-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    /**
     * How long the web waits for these processes: real H2 on a machine busy with other builds can take longer than the
     * harness's 2 s, and a slow answer is not what the route tests are about.
     */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    /** The supervisor's default poll interval: the analyzer ticks at this rate. */
    static final long INTERVAL_MILLIS = 1_000;

    /**
     * The volumes the tests report on, placed on one large backend as an installation's bootstrap file places them: the
     * analyzer judges only placed volumes, and the services place none they merely hear about from reports.
     */
    private static final ServicesConfig BOOTSTRAP = new ServicesConfig(
            List.of(new BackendProfile("array-1", 1_000_000, 50)),
            List.of(
                    new VolumePlacement(7, "array-1", List.of(), 1L << 40),
                    new VolumePlacement(9, "array-1", List.of(), 1L << 40)),
            List.of());

    private final Path dir;
    private final String name;
    private DbManager db;
    private ServicesDaemon services;
    private final MonitorDaemon monitor;

    RealBackend(Path dir, String name) {
        this.dir = dir;
        this.name = name;
        try {
            // Rollups every second rather than every 10 s, so history stored by a test is at 1 m resolution soon.
            db = new DbManager(DbContext.builder()
                    .dataDir(dir.resolve("db"))
                    .mailboxDir(dir)
                    .mailboxName(name)
                    .maintenanceEveryMillis(1_000)
                    .build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        services = ServicesDaemon.start(dir, name, BOOTSTRAP, INTERVAL_MILLIS, EpochClock.system(), true);
        monitor = new MonitorDaemon(MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0),
                        ServerMailboxes.file(dir, name, ServerMailboxes.MONITOR_SUFFIX),
                        ServerMailboxes.file(dir, name, ServerMailboxes.SERVICES_SUFFIX),
                        SECRET)
                .withApproved(Set.of())
                .withRegistryFile(dir.resolve("monitor").resolve("gateways.registry"))
                .withPolling(INTERVAL_MILLIS, 3)
                .withPairs(1, 10));
    }

    InetSocketAddress monitorAddress() {
        return monitor.address();
    }

    @Override
    public Path mailboxDir() {
        return dir;
    }

    @Override
    public String serverName() {
        return name;
    }

    @Override
    public Duration callTimeout() {
        return CALL_TIMEOUT;
    }

    @Override
    public void stopDb() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    @Override
    public void stopServices() {
        if (services != null) {
            try {
                services.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            services = null;
        }
    }

    /** What the supervisor does when the SLA services die: a new process attaches to their mailbox. */
    void restartServices() {
        stopServices();
        services = ServicesDaemon.start(dir, name, BOOTSTRAP, INTERVAL_MILLIS, EpochClock.system(), true);
    }

    @Override
    public void close() {
        try {
            monitor.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopServices();
        stopDb();
    }
}
