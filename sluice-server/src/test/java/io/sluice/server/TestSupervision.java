package io.sluice.server;

/** How the tests' own servers are supervised. */
public final class TestSupervision {
    /**
     * The supervisor's heartbeat timeout for every server a test starts to judge something other than hung-role
     * detection: 60 s. A loaded CI machine (a CPU hog runs beside the tests) can hold a role's loop turn for seconds; a
     * role killed as hung then would add a restart, and a start-up, that no test caused. Hung roles are judged by
     * SupervisorTest alone, which freezes one with SIGSTOP under a timeout of its own.
     */
    public static final long HEARTBEAT_TIMEOUT_MILLIS = 60_000;

    private TestSupervision() {}
}
