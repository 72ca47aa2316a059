package io.sluice.server;

import io.sluice.common.ExitCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command. Each subcommand returns an {@link ExitCode}. */
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        version = "sluice 0.1.0",
        description = "Sluice: storage SLA server - enforce and prove per-volume I/O service levels.",
        subcommands = {
            ServerCommand.class,
            StatusCommand.class,
            DemoCommand.class,
            DbCommand.class,
            ServicesCommand.class,
            MonitorCommand.class,
            WebCommand.class,
            GatewayCommand.class,
            LoadCommand.class,
            SimCommand.class,
            MailboxCommand.class,
            PkiCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Commands handled by the launcher script itself:",
            "  test                 Run every test (./mvnw verify).",
            "  bench mailbox [--quick]",
            "                       Benchmarks against peers; see ./sluice bench --help.",
            "  build                Build the project."
        })
public final class SluiceMain implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        SupervisorWatch.startIfSupervised();
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SluiceMain());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
