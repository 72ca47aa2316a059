package io.sluice.server.supervisor;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.stream.Stream;

/**
 * What the supervisor tests share: a {@link Supervisor} of one role in its own JVM (this test's classpath), stepped by
 * hand, the role killed with -9, its restart awaited, and the server's mailbox directory removed.
 */
final class SupervisedRoles {
    /** Where the tests' servers keep their mailboxes, as a real server does. */
    static final Path SHM = Path.of("/dev/shm");

    private SupervisedRoles() {}

    /** A supervisor (not yet started) of {@code role} over {@code mailboxes}, its log lines added to {@code log}. */
    static Supervisor supervise(
            Path dir,
            Map<Path, MailboxGeometry> mailboxes,
            RoleSpec role,
            long heartbeatTimeoutMillis,
            Queue<String> log)
            throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new Supervisor(
                dir.resolve("run"),
                mailboxes,
                List.of(role),
                classpath,
                heartbeatTimeoutMillis,
                EpochClock.system(),
                log::add);
    }

    /** Kills the role with -9, as a crash would, and returns once its process is gone; returns its pid. */
    static long killRole(Supervisor supervisor) throws InterruptedException {
        long pid = supervisor.status().getFirst().pid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Await.until(
                "pid " + pid + " gone",
                60_000,
                () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    /** Steps the supervisor until its role has been restarted {@code restarts} times in all and runs again. */
    static void awaitRestarts(Supervisor supervisor, int restarts, long timeoutMillis) throws InterruptedException {
        Await.until(
                restarts + " restarts",
                timeoutMillis,
                () -> {
                    step(supervisor);
                    return supervisor.status().getFirst().restarts() == restarts
                            && supervisor.status().getFirst().alive();
                },
                () -> supervisor.status().toString());
    }

    /** Removes the server's mailbox directory, the one that holds {@code mailbox}, and what is in it. */
    static void removeMailboxDirectory(Path mailbox) throws IOException {
        try (Stream<Path> left = Files.list(mailbox.getParent())) {
            left.forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(mailbox.getParent());
    }

    private static void step(Supervisor supervisor) {
        try {
            supervisor.doWork();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
