package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.mailbox.MailboxFormatException;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/** Turns the errors a command can expect into one line on stderr and an exit code, not a stack trace. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        if (e instanceof MailboxFormatException bad) {
            cli.getErr().println("sluice: " + bad.getMessage());
            return ExitCode.BAD_FILE;
        }
        if (e instanceof UncheckedIOException || e instanceof IllegalArgumentException) {
            cli.getErr().println("sluice: " + e.getMessage());
            return ExitCode.FAILURE;
        }
        cli.getErr().println("sluice: unexpected error");
        e.printStackTrace(cli.getErr());
        return ExitCode.FAILURE;
    }
}
