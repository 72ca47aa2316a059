package io.sluice.mailbox;

/**
 * The shapes of the SLA server's mailboxes, one per provider, shared by whoever creates them (the
 * supervisor, or a role run on its own) and whoever opens them, so they always agree.
 */
public final class ServerMailboxes {
    /** The monitor's inbox: throttle sets, approvals, status. Slots hold a THROTTLE_SET frame. */
    public static final MailboxGeometry MONITOR = new MailboxGeometry(1024, 4096, 8, 2);
    /** The SLA services' inbox: reports, events and gateway states from the monitor; calls from the web. */
    public static final MailboxGeometry SERVICES = new MailboxGeometry(4096, 2048, 16, 4);

    /** Caller indexes, fixed per role so a restarted role finds its calls again. */
    public static final int CALLER_MONITOR = 1;
    public static final int CALLER_SERVICES = 2;
    public static final int CALLER_WEB = 3;
    public static final int CALLER_TOOLS = 7;

    private ServerMailboxes() {
    }
}
