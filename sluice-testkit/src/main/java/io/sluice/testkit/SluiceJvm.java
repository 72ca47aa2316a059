package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code sluice} command ({@code io.sluice.server.SluiceMain}) in a child JVM of this one's Java, with native access
 * (the mailboxes and the gateway's file calls need it), for tests and drills that run the real processes.
 */
public final class SluiceJvm {
    private static final String MAIN = "io.sluice.server.SluiceMain";

    private SluiceJvm() {}

    /** The class path of the tests running (surefire's), or else this JVM's. */
    public static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** {@code java --enable-native-access=ALL-UNNAMED JVM_OPTIONS -cp CLASSPATH SluiceMain ARGS}, not started. */
    public static ProcessBuilder command(String classpath, List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(MAIN);
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    /**
     * Starts {@code sluice gateway --config CONFIG MORE} with 256 MiB of heap, its output and errors appended to
     * {@code log}.
     */
    public static Process startGateway(String classpath, Path config, Path log, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("gateway", "--config", config.toString()));
        args.addAll(List.of(more));
        return command(classpath, List.of("-Xmx256m"), args)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }
}
