package io.sluice.mailbox;

import io.sluice.common.PrivateFiles;
import java.nio.file.Path;

/**
 * The shapes of the SLA server's mailboxes, one per provider, shared by whoever creates them (the supervisor, or a role
 * run on its own) and whoever opens them, so they always agree.
 */
public final class ServerMailboxes {
    /** The monitor's inbox: throttle sets, approvals, status. Slots hold a THROTTLE_SET frame. */
    public static final MailboxGeometry MONITOR = new MailboxGeometry(1024, 4096, 16, 2);
    /**
     * The SLA services' inbox: reports, events and gateway states from the monitor. A slot holds a report of 53 volumes
     * (the monitor posts larger ones in parts), so 13,800 volumes polled each second are about 400 calls a second, and
     * the mailbox holds several seconds of them while the services are busy (32 MiB). Its callers go up to 64: besides
     * the roles and tools, each of the monitor's thread pairs posts under an index of its own
     * ({@link #CALLER_MONITOR_PAIRS}).
     */
    public static final MailboxGeometry SERVICES =
            new MailboxGeometry(2048, 16 * 1024, MailboxDescriptor.MAX_CALLERS, 4);
    /**
     * The SLA services' query inbox: JSON requests from the application server and tools (live views, SLA validation
     * and application, alerts, forecasts), kept apart from the report stream so a large answer does not need large
     * report slots.
     */
    public static final MailboxGeometry SERVICES_QUERIES = new MailboxGeometry(64, 256 * 1024, 16, 2);
    /** The database manager's inbox: sample batches from the services, JSON requests from everyone. */
    public static final MailboxGeometry DB = new MailboxGeometry(256, 256 * 1024, 16, 2);

    /** Mailbox file names in the server's mailbox directory ({@link #directory}): the suffix alone. */
    public static final String MONITOR_SUFFIX = "monitor";

    public static final String SERVICES_SUFFIX = "services";
    public static final String SERVICES_QUERIES_SUFFIX = "services-queries";
    public static final String DB_SUFFIX = "db";

    /** Caller indexes, fixed per role so a restarted role finds its calls again. */
    public static final int CALLER_MONITOR = 1;

    public static final int CALLER_SERVICES = 2;
    public static final int CALLER_WEB = 3;
    public static final int CALLER_DB = 4;
    /** The first index for tools; they take the first one free from here ({@link MailboxClient#attachTool}). */
    public static final int CALLER_TOOLS = 7;
    /** Tools take indexes below this one; the indexes from here up are the monitor's pairs' in the services mailbox. */
    public static final int CALLER_TOOLS_END = 16;
    /**
     * In the services mailbox, thread pair {@code i} of the monitor posts its reports as caller
     * {@code CALLER_MONITOR_PAIRS + i} (docs/design.md, "The monitor's thread pairs"), so one pair's calls are its own:
     * collected by that pair, inherited by the same pair of a restarted monitor. {@link #CALLER_MONITOR} stays the
     * monitor's index for the calls of its other threads (gateway states).
     */
    public static final int CALLER_MONITOR_PAIRS = CALLER_TOOLS_END;
    /** How many pairs have an index of their own in the services mailbox: the monitor runs at most this many. */
    public static final int MONITOR_PAIR_CALLERS = MailboxDescriptor.MAX_CALLERS - CALLER_MONITOR_PAIRS;

    /**
     * The file of the mailbox with {@code suffix} for the server called {@code serverName}: in the server's own
     * directory under {@code base} ({@link #directory}), which only its user may enter.
     */
    public static Path file(Path base, String serverName, String suffix) {
        return directory(base, serverName).resolve(suffix);
    }

    /** {@code base/sluice-UID-NAME}: the server's mailbox directory, created 0700 by the first mailbox in it. */
    public static Path directory(Path base, String serverName) {
        return base.resolve("sluice-" + PrivateFiles.currentUid() + "-" + serverName);
    }

    private ServerMailboxes() {}
}
