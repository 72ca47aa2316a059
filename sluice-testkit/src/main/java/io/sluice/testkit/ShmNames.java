package io.sluice.testkit;

import java.nio.file.Path;

/**
 * Names for the mailbox files tests make in /dev/shm, where the server keeps its own: tmpfs, shared by every test JVM
 * and every helper on the machine, and kept across runs, so each name carries this JVM's pid and the moment it was
 * made, and one run's leftovers never meet the next run's files.
 */
public final class ShmNames {
    /** Where mailboxes live: memory, not disk. */
    public static final Path DIRECTORY = Path.of("/dev/shm");

    private ShmNames() {}

    /** {@code sluice-test-PURPOSE-PID-NANOS}: a name no other test, JVM or run uses. */
    public static String unique(String purpose) {
        return "sluice-test-" + purpose + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /** A file of a {@link #unique} name in /dev/shm; the test deletes it when done. */
    public static Path file(String purpose) {
        return DIRECTORY.resolve(unique(purpose));
    }
}
