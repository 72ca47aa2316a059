package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nbdkit, the NBD server tests use as a peer, in the foreground on a Unix socket and tied to this JVM
 * ({@code --exit-with-parent}). {@link #start} returns once nbdkit listens: it writes its {@code -P} PID file only
 * then, while the socket file exists from bind on, a moment earlier, and a connect in that moment is refused (seen
 * beside a CPU hog). Its output goes to {@code SOCKET.log} and its PID file is {@code SOCKET.pid}.
 */
public final class Nbdkit implements AutoCloseable {
    /** How long nbdkit may take to listen: generous, a loaded machine starts processes slowly. */
    public static final long START_TIMEOUT_MILLIS = 60_000;

    private final Path socket;
    private final Process process;

    private Nbdkit(Path socket, Process process) {
        this.socket = socket;
        this.process = process;
    }

    /**
     * Starts {@code nbdkit -f --exit-with-parent -P SOCKET.pid -U SOCKET ARGS} and waits until it listens; {@code args}
     * are nbdkit's further options, then the plugin and its parameters ({@code "-r", "file", "file=..."}). A stale PID
     * file from an earlier nbdkit on the same socket is removed first.
     */
    public static Nbdkit start(Path socket, String... args) throws IOException, InterruptedException {
        Path pidFile = sibling(socket, ".pid");
        Path log = sibling(socket, ".log");
        Files.deleteIfExists(pidFile);
        List<String> command = new ArrayList<>(
                List.of("nbdkit", "-f", "--exit-with-parent", "-P", pidFile.toString(), "-U", socket.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean listening =
                Await.within(START_TIMEOUT_MILLIS, Await.POLL_MILLIS, () -> !process.isAlive() || written(pidFile))
                        && process.isAlive();
        if (!listening) {
            String state = process.isAlive() ? "still running" : "exit " + process.exitValue();
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("nbdkit did not listen on " + socket + " within " + START_TIMEOUT_MILLIS + " ms ("
                    + state + "): " + Files.readString(log));
        }
        return new Nbdkit(socket, process);
    }

    /** The socket nbdkit listens on. */
    public Path socket() {
        return socket;
    }

    /** nbdkit's pid. */
    public long pid() {
        return process.pid();
    }

    /** Kills nbdkit at once (SIGKILL), as a crash would, and removes the socket file it leaves behind. */
    public void kill() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor();
        Files.deleteIfExists(socket);
    }

    /** Stops nbdkit (SIGTERM; SIGKILL if it has not exited within 20 s). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean written(Path pidFile) {
        try {
            return Files.size(pidFile) > 0;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static Path sibling(Path socket, String suffix) {
        return socket.resolveSibling(socket.getFileName() + suffix);
    }
}
