package io.sluice.gateway;

import io.sluice.common.EpochClock;
import io.sluice.common.ExitCode;
import io.sluice.gateway.export.Export;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gateway process: starts, prints where it listens, serves until SIGTERM/SIGINT, then closes
 * everything in reverse order. The first line on stdout is always
 * {@code sluice-gateway listening on HOST:PORT}, so a supervisor (or a test) that asked for port 0
 * learns the real one. With {@code --stats-file} the statistics are rewritten there every second;
 * with {@code --config} the file's QoS settings are re-applied when it changes.
 */
public final class GatewayMain {
    private GatewayMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * One thread, once a second: rewrites the stats file and re-applies the config file's QoS when
     * it changed. A failing tick is reported and the next one tries again.
     */
    private static ScheduledExecutorService startPeriodic(GatewayContext context, Gateway gateway, PrintStream err)
            throws IOException {
        ScheduledExecutorService periodic = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("sluice-gateway-periodic").factory());
        if (context.statsFile() != null) {
            StatsFileWriter writer = new StatsFileWriter(context.statsFile(), gateway::stats, EpochClock.system());
            writer.write();
            periodic.scheduleAtFixedRate(() -> {
                try {
                    writer.write();
                } catch (IOException | RuntimeException e) {
                    err.println("sluice-gateway: cannot write " + context.statsFile() + ": " + e);
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
        if (context.configFile() != null) {
            ConfigFileWatcher watcher = new ConfigFileWatcher(context.configFile(), gateway.qos(), err);
            periodic.scheduleWithFixedDelay(() -> {
                try {
                    watcher.check();
                } catch (IOException | RuntimeException e) {
                    err.println("sluice-gateway: cannot check " + context.configFile() + ": " + e);
                }
            }, 1, 1, TimeUnit.SECONDS);
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
        ScheduledExecutorService periodic;
        try {
            periodic = startPeriodic(context, gateway, err);
        } catch (IOException e) {
            gateway.close();
            err.println("sluice-gateway: cannot start: " + e);
            return ExitCode.FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            periodic.shutdownNow();
            try {
                periodic.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gateway.close();
            stopped.countDown();
        }, "sluice-gateway-shutdown"));
        out.println("sluice-gateway listening on " + gateway.address().getHostString() + ":"
                + gateway.address().getPort());
        for (Export export : gateway.exports().all()) {
            out.println("  export " + export + ", " + export.size() + " bytes");
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
