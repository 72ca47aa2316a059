package io.sluice.sim;

import io.sluice.common.ExitCode;
import io.sluice.protocol.MonitorAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * {@code sluice sim}: runs the simulator against a monitor, prints a one-line summary every summary interval and a last
 * one when it stops (after {@code --duration}, or on SIGINT/SIGTERM).
 */
public final class SimMain {
    private SimMain() {}

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    public static int run(PrintStream out, PrintStream err, String... args) {
        SimContext context;
        try {
            context = SimContext.parse(args);
        } catch (NoSuchFileException e) {
            err.println("sluice sim: no such file: " + e.getFile());
            return ExitCode.BAD_FILE;
        } catch (IOException e) {
            err.println("sluice sim: cannot read: " + e);
            return ExitCode.BAD_FILE;
        } catch (IllegalArgumentException | ArithmeticException e) {
            err.println("sluice sim: " + e.getMessage());
            err.println(SimContext.USAGE);
            return ExitCode.USAGE;
        }
        Simulator simulator;
        try {
            simulator = Simulator.start(context);
        } catch (IOException | RuntimeException e) {
            err.println("sluice sim: cannot start: " + e);
            return ExitCode.FAILURE;
        }
        Thread hook = new Thread(simulator::close, "sluice-sim-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("sluice sim: " + context.gateways() + " gateways x " + context.volumesPerGateway()
                + " volumes -> "
                + context.monitors().stream().map(MonitorAddress::format).collect(Collectors.joining(", "))
                + ", faults " + context.faults() + ", " + context.threads() + " threads"
                + (context.durationMillis() > 0 ? ", for " + context.durationMillis() / 1000 + " s" : ""));
        out.flush();
        try {
            while (!simulator.awaitTermination(Duration.ofMillis(context.summaryIntervalMillis()))) {
                out.println("sluice sim: " + simulator.snapshot().summaryLine());
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            simulator.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or has run: it closes the simulator, which has stopped anyway.
        }
        out.println("sluice sim: stopped: " + simulator.snapshot().summaryLine());
        out.flush();
        if (simulator.failure() != null) {
            err.println("sluice sim: failed: " + simulator.failure());
            return ExitCode.FAILURE;
        }
        return ExitCode.OK;
    }
}
