package io.sluice.common;

import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reads a command line into a picocli options object for a process that parses it without running a command (the
 * gateway and the simulator, whose {@code main} prints its own usage). Picocli's errors become an
 * {@link IllegalArgumentException} saying what is wrong in the words these processes have always used; an option given
 * twice keeps the last value, and {@code @FILE} is an argument like any other.
 */
public final class CommandLineOptions {
    private CommandLineOptions() {}

    /** {@code options}, filled from {@code args}; IllegalArgumentException says what is wrong with them. */
    public static <T> T parse(T options, String... args) {
        CommandLine cli =
                new CommandLine(options).setOverwrittenOptionsAllowed(true).setExpandAtFiles(false);
        try {
            cli.parseArgs(args);
        } catch (MissingParameterException e) {
            ArgSpec missing = e.getMissing().getFirst();
            String name = missing instanceof OptionSpec option ? option.longestName() : missing.paramLabel();
            throw new IllegalArgumentException(name + " needs a value", e);
        } catch (UnmatchedArgumentException e) {
            String first = e.getUnmatched().getFirst();
            throw new IllegalArgumentException(
                    (first.startsWith("-") ? "unknown option: " : "unexpected argument: ") + first, e);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return options;
    }
}
