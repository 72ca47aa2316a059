package io.sluice.server.ha;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.Supervisor;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The supervisor's roles in a pair. Standby: the SLA services held stopped (they would analyse nothing and must store
 * nothing: the active's services own the control and the history) and the monitor running with {@code --standby-of} the
 * holder; the database manager and the web run as ever. Active: the services started and the standby monitor promoted
 * in place (MONITOR_PROMOTE, which saves a JVM's start in the takeover), or, if it does not answer within
 * {@link #PROMOTE_TIMEOUT_MILLIS}, killed and started again with {@code --epoch}. Leaving the active part is never
 * asked of the monitor: it is killed outright, so it stops at once. Called on the supervisor's thread only.
 */
public final class SupervisedPart implements ServerPart, AutoCloseable {
    public static final String SERVICES_HELD = "standby: the active server's services control the gateways";
    /**
     * How long the supervisor waits for a standby monitor to take its promotion before restarting it instead. A restart
     * costs a JVM start (3.6 s to listen on an idle machine, 4-6 s on a loaded one), so any wait shorter than that is a
     * gain when the monitor answers; at 1 s a monitor slowed by the takeover's own load missed it and was restarted.
     */
    static final long PROMOTE_TIMEOUT_MILLIS = 3_000;

    private final Supervisor supervisor;
    private final ServerSettings settings;
    private final Consumer<String> log;
    private MailboxClient monitorCalls;
    /** Whether the monitor process runs (or is restarted) as a standby, so it can be promoted. */
    private boolean monitorStandby = true;

    public SupervisedPart(Supervisor supervisor, ServerSettings settings, Consumer<String> log) {
        this.supervisor = supervisor;
        this.settings = settings;
        this.log = log;
    }

    /** Before the supervisor starts the roles: the standby a server in a pair starts as, naming none. */
    public void prepareStandby() throws InterruptedException {
        if (supervisor.runs("services")) {
            supervisor.prepare("services", RoleCatalog.command(settings, "services"), SERVICES_HELD);
        }
        supervisor.prepare("monitor", RoleCatalog.monitorCommand(settings, true, 0, null), null);
    }

    @Override
    public void standby(String activeAddress) throws Exception {
        monitorStandby = true;
        supervisor.replace(
                "monitor",
                RoleCatalog.monitorCommand(settings, true, 0, activeAddress),
                "standby of " + (activeAddress == null ? "no known active" : activeAddress));
        if (supervisor.runs("services")) {
            supervisor.hold("services", SERVICES_HELD);
        }
    }

    @Override
    public void active(long epoch) throws Exception {
        if (supervisor.runs("services")) {
            supervisor.release("services");
        }
        List<String> active = RoleCatalog.monitorCommand(settings, false, epoch, null);
        if (monitorStandby && supervisor.alive("monitor") && promote(epoch)) {
            supervisor.setCommand("monitor", active);
            log.accept("promoted the standby monitor: active at epoch " + epoch);
        } else {
            supervisor.replace("monitor", active, "active at epoch " + epoch);
        }
        monitorStandby = false;
    }

    /** Asks the running standby monitor to become active at {@code epoch}; false if it did not within the timeout. */
    private boolean promote(long epoch) throws InterruptedException {
        try {
            if (monitorCalls == null) {
                Mailbox inbox = supervisor.inbox("monitor");
                if (inbox == null) {
                    return false;
                }
                monitorCalls = MailboxClient.attachTool(inbox);
            }
            byte[] params = ByteBuffer.allocate(Long.BYTES).putLong(epoch).array();
            long correlation = monitorCalls.nextCorrelationId();
            // Not idempotent: a monitor that dies holding the call never passes it on to its successor.
            CompletableFuture<Reply> call = monitorCalls.call(MailboxOpcodes.MONITOR_PROMOTE, 0, correlation, params);
            Reply reply;
            try {
                reply = call.get(PROMOTE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // Withdrawn, so no later monitor (a standby started after a lost lease) takes an old promotion; the
                // one that may hold it now is killed by the restart that follows.
                monitorCalls.cancel(correlation);
                log.accept("the monitor did not take its promotion within " + PROMOTE_TIMEOUT_MILLIS
                        + " ms; restarting it instead");
                return false;
            }
            if (reply.status() == MailboxStatus.OK) {
                return true;
            }
            log.accept("the monitor refused its promotion (status " + reply.status() + "); restarting it instead");
        } catch (ExecutionException | RuntimeException e) {
            log.accept("the monitor did not take its promotion (" + e + "); restarting it instead");
        }
        return false;
    }

    /** Ends the supervisor's calls to the monitor; before the supervisor closes the mailboxes. Idempotent. */
    @Override
    public void close() {
        if (monitorCalls != null) {
            monitorCalls.close();
            monitorCalls = null;
        }
    }
}
