package io.sluice.bench;

import io.sluice.bench.control.ControlBenchmark;
import io.sluice.bench.control.ControlRealBenchmark;
import io.sluice.bench.db.DbBenchmark;
import io.sluice.bench.failover.FailoverBenchmark;
import io.sluice.bench.scale.ScaleBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice bench ...}: benchmarks that run Sluice side by side with named peers and report ratios. */
@Command(
        name = "sluice bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks against peers, in one run; the last line printed is one JSON object.",
        subcommands = {
            MailboxBenchmark.class,
            MonitorBenchmark.class,
            GatewayBenchmark.class,
            SparseCopyBenchmark.class,
            ControlBenchmark.class,
            ControlRealBenchmark.class,
            DbBenchmark.class,
            ScaleBenchmark.class,
            FailoverBenchmark.class,
            CommandLine.HelpCommand.class
        })
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
