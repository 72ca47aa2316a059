package io.sluice.server.supervisor;

import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The running (or restarting) JVM of one role, with its restart history. Used by the supervisor's thread only. */
final class RoleProcess {
    private static final long[] BACKOFF_MILLIS = {0, 250, 500, 1_000, 2_000, 5_000};
    /** A role that has run this long is considered healthy again: its back-off starts over. */
    private static final long STABLE_MILLIS = 60_000;

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    RoleSpec spec;
    private final Path log;
    private final String javaExecutable;
    private final String classpath;
    private Process process;
    private long startedAt;
    private long restartAt = -1;
    private int restarts;
    private int consecutiveFailures;
    private String lastExit = "";
    /** Why the role is kept stopped (a standby's services), or null while it runs or restarts as usual. */
    private String heldFor;

    RoleProcess(RoleSpec spec, Path logDirectory, String javaExecutable, String classpath) {
        this.spec = spec;
        this.log = logDirectory.resolve(spec.name() + ".log");
        this.javaExecutable = javaExecutable;
        this.classpath = classpath;
    }

    void start(long now) throws IOException {
        // A role's log may hold what only the server's user should read (addresses, names, errors).
        PrivateFiles.ensureDirectory(log.getParent());
        PrivateFiles.ensureFile(log);
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // Its own session: a Ctrl-C at the terminal reaches the supervisor alone, which stops roles in order.
            cmd.add(SETSID.toString());
        }
        cmd.addAll(List.of(
                javaExecutable,
                "--enable-native-access=ALL-UNNAMED",
                "-Dsluice.role=" + spec.name(),
                "-Dsluice.supervisor.pid=" + ProcessHandle.current().pid()));
        cmd.addAll(spec.jvmOptions());
        cmd.addAll(List.of("-cp", classpath, "io.sluice.server.SluiceMain"));
        cmd.addAll(spec.command());
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        startedAt = now;
        restartAt = -1;
    }

    /** Kills the role at once (if it runs) and keeps it stopped: no restart until {@link #release}. */
    void hold(String why) throws InterruptedException {
        heldFor = why;
        restartAt = -1;
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts a held role (at once: its stop was intended, not a failure) with its current spec. */
    void release(long now) throws IOException {
        heldFor = null;
        start(now);
    }

    /** Kills the role at once and starts it again with {@code next}, no back-off: a change of role, not a crash. */
    void replace(RoleSpec next, long now) throws IOException, InterruptedException {
        spec = next;
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (heldFor == null) {
            start(now);
        }
    }

    /** Why the role is held stopped, or null. */
    String heldFor() {
        return heldFor;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Notes an exit and schedules the restart after the back-off; returns true the first time it sees the exit. */
    boolean noteExit(long now) {
        if (heldFor != null || process == null || process.isAlive() || restartAt >= 0) {
            return false;
        }
        int code = process.exitValue();
        lastExit = "exit " + code
                + switch (code) {
                    case ExitCode.UNHEALTHY -> " (unhealthy: a thread of the role died or stalled; see its log)";
                    case ExitCode.BAD_FILE -> " (a file it needs is unusable)";
                    case ExitCode.USAGE -> " (bad configuration)";
                    default -> "";
                };
        consecutiveFailures = now - startedAt >= STABLE_MILLIS ? 1 : consecutiveFailures + 1;
        restartAt = now + BACKOFF_MILLIS[Math.min(consecutiveFailures - 1, BACKOFF_MILLIS.length - 1)];
        return true;
    }

    boolean restartDue(long now) {
        return restartAt >= 0 && now >= restartAt;
    }

    void restart(long now) throws IOException {
        restarts++;
        start(now);
    }

    /** Kills a hung role at once; the exit is then handled like any other. */
    void kill(String why) {
        if (process != null) {
            process.destroyForcibly();
            lastExit = why;
        }
    }

    /** SIGTERM, a grace period, then SIGKILL. */
    void stop(long graceMillis) throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    long pid() {
        return process == null ? 0 : process.pid();
    }

    long startedAt() {
        return startedAt;
    }

    int restarts() {
        return restarts;
    }

    String lastExit() {
        return lastExit;
    }

    Path log() {
        return log;
    }
}
