package io.sluice.monitor;

import io.sluice.mailbox.ServerMailboxes;
import java.nio.file.Path;

/**
 * Where the gateway registry lives when it is in the database (docs/design.md, "The gateway registry in the database"):
 * the database manager's mailbox, this monitor's caller index in it, and how long a registry call may wait for the
 * database manager before the database counts as unreachable.
 *
 * @param mailbox the database manager's mailbox file
 * @param callerIndex the monitor's caller index there ({@link ServerMailboxes#CALLER_MONITOR} for the server)
 * @param callTimeoutMillis how long one call waits for its answer
 */
public record RegistryDatabase(Path mailbox, int callerIndex, long callTimeoutMillis) {
    /** The server's default: a call the database manager has not answered in 5 s is given up. */
    public static final long DEFAULT_CALL_TIMEOUT_MILLIS = 5_000;

    public RegistryDatabase {
        if (mailbox == null) {
            throw new IllegalArgumentException("the registry in the database needs the database manager's mailbox");
        }
        if (callTimeoutMillis < 10) {
            throw new IllegalArgumentException(
                    "registry call timeout must be at least 10 ms, was " + callTimeoutMillis);
        }
    }

    /** The database manager's mailbox with the monitor's own caller index and the default timeout. */
    public static RegistryDatabase of(Path mailbox) {
        return new RegistryDatabase(mailbox, ServerMailboxes.CALLER_MONITOR, DEFAULT_CALL_TIMEOUT_MILLIS);
    }
}
