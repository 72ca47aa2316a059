package io.sluice.server.ha;

import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.supervisor.Supervisor;

/**
 * The supervisor's roles in a pair. Standby: the SLA services held stopped (they would analyse nothing and must store
 * nothing: the active's services own the control and the history) and the monitor running with {@code --standby-of}
 * the holder; the database manager and the web run as ever. Active: the services started and the monitor started
 * again with {@code --epoch}. The monitor is killed outright at each change, never asked: a monitor that must stop
 * acting stops at once, and a standby has no sessions to lose. Called on the supervisor's thread only.
 */
public final class SupervisedPart implements ServerPart {
    public static final String SERVICES_HELD = "standby: the active server's services control the gateways";
    private final Supervisor supervisor;
    private final ServerSettings settings;

    public SupervisedPart(Supervisor supervisor, ServerSettings settings) {
        this.supervisor = supervisor;
        this.settings = settings;
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
        supervisor.replace("monitor", RoleCatalog.monitorCommand(settings, true, 0, activeAddress),
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
        supervisor.replace("monitor", RoleCatalog.monitorCommand(settings, false, epoch, null),
                "active at epoch " + epoch);
    }
}
