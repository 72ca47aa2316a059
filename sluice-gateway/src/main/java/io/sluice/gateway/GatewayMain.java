package io.sluice.gateway;

import io.sluice.common.ExitCode;
import io.sluice.gateway.export.Export;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CountDownLatch;

/**
 * The gateway process: starts, prints where it listens, serves until SIGTERM/SIGINT, then closes
 * everything in reverse order. The first line on stdout is always
 * {@code sluice-gateway listening on HOST:PORT}, so a supervisor (or a test) that asked for port 0
 * learns the real one.
 */
public final class GatewayMain {
    private GatewayMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
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
