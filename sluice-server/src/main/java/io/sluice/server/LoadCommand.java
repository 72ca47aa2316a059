package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.gateway.load.LoadGenerator;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice load nbd://HOST:PORT/EXPORT}: block I/O against an NBD export, with IOPS, bandwidth and latency. */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description =
                "Generate block I/O against an NBD export (a gateway, nbdkit, qemu-nbd) and print IOPS, MB/s, latency.")
final class LoadCommand implements Callable<Integer> {
    @Parameters(paramLabel = "URI", description = "nbd://HOST:PORT/EXPORT or nbd+unix:///EXPORT?socket=PATH")
    String uri;

    @Option(
            names = "--pattern",
            defaultValue = "randread",
            description = "randread, randwrite, randrw, read, write (default ${DEFAULT-VALUE})")
    String pattern;

    @Option(names = "--bs", defaultValue = "4096", description = "block size in bytes (default ${DEFAULT-VALUE})")
    int blockSize;

    @Option(names = "--qd", defaultValue = "16", description = "requests in flight (default ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--rate", defaultValue = "0", description = "total IOPS to issue; 0 for as fast as possible")
    long rate;

    @Option(names = "--duration", defaultValue = "10", description = "seconds (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(
            names = "--read-percent",
            defaultValue = "70",
            description = "reads among randrw I/O (default ${DEFAULT-VALUE})")
    int readPercent;

    @Option(
            names = "--repeat",
            defaultValue = "1",
            description = "runs of --duration seconds each; 0 repeats until stopped (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(
            names = "--pause",
            defaultValue = "0",
            description = "seconds idle between runs, for load that comes and goes (default ${DEFAULT-VALUE})")
    double pause;

    @Override
    public Integer call() throws Exception {
        if (repeat < 0 || pause < 0 || seconds <= 0) {
            System.err.println("sluice load: --repeat and --pause must be >= 0, --duration > 0");
            return ExitCode.USAGE;
        }
        LoadGenerator.Pattern p;
        try {
            p = LoadGenerator.Pattern.valueOf(pattern.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.err.println("sluice load: unknown pattern " + pattern);
            return ExitCode.USAGE;
        }
        long errors = 0;
        for (int run = 1; repeat == 0 || run <= repeat; run++) {
            if (run > 1 && pause > 0) {
                Thread.sleep((long) (pause * 1000));
            }
            LoadGenerator.Result result = LoadGenerator.run(new LoadGenerator.Spec(
                    uri, p, blockSize, depth, rate, (long) (seconds * 1000), readPercent, System.nanoTime()));
            System.out.println(Instant.now() + " " + pattern + " " + blockSize + " B, qd " + depth
                    + (rate > 0 ? ", rate " + rate : "") + ": " + result.summary());
            System.out.flush();
            errors += result.errors();
        }
        return errors == 0 ? ExitCode.OK : ExitCode.FAILURE;
    }
}
