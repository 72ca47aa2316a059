package io.sluice.server;

import java.util.Optional;

/**
 * A role runs in its own session (so a Ctrl-C reaches only the supervisor, which stops the roles in reverse order), and
 * therefore would outlive a supervisor killed outright. This watch ends the role, through its normal shutdown, once the
 * supervisor named by {@code -Dsluice.supervisor.pid} is gone, so a restarted supervisor never finds a second copy of a
 * role still holding its ports and mailbox.
 */
final class SupervisorWatch {
    static final String PROPERTY = "sluice.supervisor.pid";

    private SupervisorWatch() {}

    static void startIfSupervised() {
        String pid = System.getProperty(PROPERTY);
        if (pid == null) {
            return;
        }
        Optional<ProcessHandle> supervisor = ProcessHandle.of(Long.parseLong(pid));
        if (supervisor.isEmpty()) {
            System.exit(0);
        }
        Thread.ofPlatform().daemon().name("supervisor-watch").start(() -> {
            supervisor.get().onExit().join();
            System.err.println("supervisor (pid " + pid + ") is gone; stopping");
            System.exit(0);
        });
    }
}
