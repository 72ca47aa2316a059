package io.sluice.gateway;

import io.sluice.common.EpochClock;
import io.sluice.common.ExitCode;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.protocol.MonitorAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The gateway process: starts, prints where it listens, serves until SIGTERM/SIGINT, then closes everything in reverse
 * order. The first line on stdout is always {@code sluice-gateway listening on HOST:PORT}, so a supervisor (or a test)
 * that asked for port 0 learns the real one. With {@code --stats-file} the statistics are rewritten there every second;
 * with {@code --config} the file's QoS settings are re-applied when it changes (standalone only); with
 * {@code --monitor} (or {@code monitor:} in the file) a {@link MonitorLink} reports to the monitor and takes its
 * throttle sets, keeping the last limits while the monitor is unreachable.
 */
public final class GatewayMain {
    private GatewayMain() {}

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * One thread, once a second: rewrites the stats file and re-applies the config file's QoS when it changed. A
     * failing tick is reported and the next one tries again.
     */
    private static ScheduledExecutorService startPeriodic(
            GatewayContext context, Gateway gateway, MonitorLink link, PrintStream err) throws IOException {
        ScheduledExecutorService periodic = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("sluice-gateway-periodic").factory());
        if (context.statsFile() != null) {
            StatsFileWriter writer = new StatsFileWriter(
                    context.statsFile(),
                    gateway::stats,
                    EpochClock.system(),
                    () -> link == null ? null : link.status());
            writer.write();
            periodic.scheduleAtFixedRate(
                    () -> {
                        try {
                            writer.write();
                        } catch (IOException | RuntimeException e) {
                            err.println("sluice-gateway: cannot write " + context.statsFile() + ": " + e);
                        }
                    },
                    1,
                    1,
                    TimeUnit.SECONDS);
        }
        // With a monitor, its throttle sets rule: the file's QoS (version 0 at start) is only where the gateway
        // starts and what it keeps until the monitor's first set, so the watcher is not started, and a file
        // edit (versioned by its modification time, far above the monitor's versions) cannot undo a set.
        if (context.configFile() != null && link == null) {
            ConfigFileWatcher watcher = new ConfigFileWatcher(context.configFile(), gateway.qos(), err);
            periodic.scheduleWithFixedDelay(
                    () -> {
                        try {
                            watcher.check();
                        } catch (IOException | RuntimeException e) {
                            err.println("sluice-gateway: cannot check " + context.configFile() + ": " + e);
                        }
                    },
                    1,
                    1,
                    TimeUnit.SECONDS);
        }
        return periodic;
    }

    public static int run(PrintStream out, PrintStream err, String... args) {
        GatewayContext context;
        try {
            context = GatewayContext.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("sluice-gateway: " + e.getMessage());
            err.println(GatewayContext.USAGE);
            return ExitCode.USAGE;
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(context);
        } catch (NoSuchFileException e) {
            err.println("sluice-gateway: no such file: " + e.getFile());
            return ExitCode.BAD_FILE;
        } catch (IOException | RuntimeException e) {
            err.println("sluice-gateway: cannot start: " + e);
            return ExitCode.FAILURE;
        }
        MonitorLink link = context.monitor() == null ? null : MonitorLink.start(context.monitor(), gateway);
        ScheduledExecutorService periodic;
        try {
            periodic = startPeriodic(context, gateway, link, err);
        } catch (IOException e) {
            if (link != null) {
                link.close();
            }
            gateway.close();
            err.println("sluice-gateway: cannot start: " + e);
            return ExitCode.FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (link != null) {
                                link.close();
                            }
                            periodic.shutdownNow();
                            try {
                                periodic.awaitTermination(5, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            gateway.close();
                            stopped.countDown();
                        },
                        "sluice-gateway-shutdown"));
        out.println("sluice-gateway listening on " + gateway.address().getHostString() + ":"
                + gateway.address().getPort());
        for (Export export : gateway.exports().all()) {
            out.println("  export " + export + ", " + export.size() + " bytes");
        }
        if (link != null) {
            out.println("  monitor "
                    + context.monitor().addresses().stream()
                            .map(MonitorAddress::format)
                            .collect(Collectors.joining(", "))
                    + " as gateway "
                    + Long.toUnsignedString(context.monitor().gatewayId()));
        }
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }
}
