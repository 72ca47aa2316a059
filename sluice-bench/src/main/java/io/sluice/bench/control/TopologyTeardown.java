package io.sluice.bench.control;

import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.Supervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Stops what a control-real topology started, once, whichever comes first: the end of the run (normal or not) or this
 * JVM being stopped (a shutdown hook, so Ctrl-C or SIGTERM leave no gateway, role, fio or mailbox behind). fio is
 * killed, the supervisor stops the roles and gateways in reverse order (each within 5 s, then killed), the server's
 * mailboxes in /dev/shm and the run's directory are removed.
 */
final class TopologyTeardown implements AutoCloseable {
    private final Supervisor supervisor;
    private final ServerSettings settings;
    private final Path dir;
    private final Thread hook = new Thread(this::stop, "control-real-teardown");
    private final List<Process> loads = new CopyOnWriteArrayList<>();
    private boolean stopped;

    TopologyTeardown(Supervisor supervisor, ServerSettings settings, Path dir) {
        this.supervisor = supervisor;
        this.settings = settings;
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A fio process to kill at the end if it still runs. */
    void load(Process fio) {
        loads.add(fio);
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (Process p : loads) {
            p.destroyForcibly();
        }
        try {
            supervisor.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                RoleCatalog.removeMailboxes(settings);
                deleteTree(dir);
            } catch (IOException e) {
                System.err.println("control-real: could not remove the mailboxes or " + dir + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing left to undo
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
