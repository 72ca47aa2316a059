package io.sluice.common;

/** Process exit codes shared by every Sluice command and role, so a supervisor can act on them. */
public final class ExitCode {
    public static final int OK = 0;
    /** Something failed at run time. */
    public static final int FAILURE = 1;
    /** The command line or configuration was invalid. */
    public static final int USAGE = 2;
    /** A file the command needs (a mailbox, a config) is corrupt, foreign or of the wrong version. */
    public static final int BAD_FILE = 3;
    /** A role found one of its own threads dead or stuck and stopped, so its supervisor starts it afresh. */
    public static final int UNHEALTHY = 4;

    private ExitCode() {}
}
