package io.sluice.bench.control;

import io.sluice.mailbox.ServerMailboxes;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.demo.DemoFleet;
import io.sluice.server.demo.DemoPlan;
import io.sluice.server.demo.DemoSeed;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The topology {@code sluice demo} runs, started once for a whole {@code sluice bench control-real}: the storage array
 * gateway of {@link DemoPlan#ARRAY_IOPS}, the gold and bronze gateways in front of it, the SLA server's roles under the
 * demo's supervisor (db, services, monitor; not web, which serves people and is not on the control path), the demo's
 * SLAs stored, every part a real process on loopback. The regimes run on it one after the other ({@link RegimeDriver}):
 * {@link Regime#SLUICE} first, the demo as it is; then {@link Regime#NO_QOS} and {@link Regime#STATIC} through
 * operators' manual throttles ({@link OperatorThrottles}), which replace the services' parameters for a volume: a limit
 * far above the array on both volumes (nothing in effect), then a fixed IOPS limit on bronze, as an administrator would
 * set one. Starting the seven processes once instead of once a regime is what keeps the quick mode within a minute on a
 * loaded machine.
 *
 * <p>Everything started here stops in {@link #close} (and from a shutdown hook): see {@link TopologyTeardown}.
 */
final class RealTopology implements AutoCloseable {
    static final int ARRAY_IOPS = DemoPlan.ARRAY_IOPS;
    static final int GOLD_IOPS = DemoPlan.GOLD_IOPS;
    static final int GOLD_P95_MICROS = DemoPlan.GOLD_P95_TARGET_MICROS;
    private static final int GOLD_VOLUME_ID = 1;
    /** How long the gateways may take to join the monitor (and bronze to get its first set) before the run fails. */
    private static final int CONTROL_PLANE_SECONDS = 180;

    enum Regime {
        SLUICE,
        NO_QOS,
        STATIC
    }

    private final DemoPlan plan;
    private final ServerSettings settings;
    private final Supervisor supervisor;
    private final TopologyTeardown teardown;
    private final List<String> log;
    private final RegimeDriver driver;
    /** The control plane seen ready at the start: the first regime's (Sluice's) timeline. */
    private final Timeline started;

    private final double startSeconds;
    private OperatorThrottles throttles;
    private long goldLimit;
    private long bronzeLimit;
    private int regimesRun;
    private double stopSeconds;

    private RealTopology(
            Path dir,
            DemoPlan plan,
            ServerSettings settings,
            Supervisor supervisor,
            TopologyTeardown teardown,
            List<String> log,
            Timeline started,
            double startSeconds) {
        this.plan = plan;
        this.settings = settings;
        this.supervisor = supervisor;
        this.teardown = teardown;
        this.log = log;
        this.started = started;
        this.startSeconds = startSeconds;
        this.driver = new RegimeDriver(supervisor, teardown, dir, plan);
    }

    /** Starts the topology and waits until both gateways report and bronze has its first set from the services. */
    static RealTopology start() throws IOException, InterruptedException {
        long began = System.nanoTime();
        Path dir = Files.createTempDirectory("sluice-bench-control-real-");
        List<String> log = new CopyOnWriteArrayList<>();
        TopologyTeardown teardown = null;
        try {
            DemoPlan plan = DemoPlan.prepare(dir.resolve("demo"), 0, 1_000, DemoFleet.of(2));
            List<String> roles = ServerSettings.ALL_ROLES.stream()
                    .filter(r -> !r.equals("web"))
                    .toList();
            ServerSettings settings = plan.serverSettings(
                    "sluice-bench-real-" + ProcessHandle.current().pid(), roles);
            List<RoleSpec> everything = new ArrayList<>(RoleCatalog.roles(settings));
            for (RoleSpec spec : plan.workload()) {
                if (!spec.name().endsWith("-load")) {
                    everything.add(spec);
                }
            }
            Supervisor supervisor = RoleCatalog.supervisor(settings, everything, log::add);
            teardown = new TopologyTeardown(supervisor, settings, dir);
            supervisor.start(role -> {
                if (role.equals("db")) {
                    try {
                        DemoSeed.seed(RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), plan.slas());
                    } catch (Exception e) {
                        log.add("could not store the SLAs: " + e.getMessage());
                    }
                }
            });
            Timeline timeline = new Timeline(plan.statsFile("gold"), plan.statsFile("bronze"), "the roles started");
            RealTopology topology = new RealTopology(
                    dir, plan, settings, supervisor, teardown, log, timeline, (System.nanoTime() - began) / 1e9);
            topology.awaitSets(timeline, 0, false, "bronze get its first throttle set");
            return topology;
        } catch (IOException | RuntimeException e) {
            if (teardown != null) {
                teardown.close();
            } else {
                TopologyTeardown.deleteTree(dir);
            }
            throw new IOException("the topology did not start: " + e.getMessage() + "\n" + String.join("\n", log), e);
        }
    }

    RegimeOutcome runUnchecked(Regime regime, long limit, int lead, int flood) {
        try {
            return run(regime, limit, lead, flood);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sets the regime ({@code bronzeLimit} for {@link Regime#STATIC}) and waits until the gateways have it in force,
     * then gold alone for {@code lead} s and bronze's flood next to it for {@code flood} s. Sluice's regime only first:
     * after an operator's throttle the services' state is no longer that of a fresh start.
     */
    RegimeOutcome run(Regime regime, long bronzeLimit, int lead, int flood) throws IOException, InterruptedException {
        long began = System.nanoTime();
        int restartsBefore = driver.restarts();
        try {
            Timeline timeline = switch (regime) {
                case SLUICE -> {
                    if (regimesRun > 0) {
                        throw new IllegalStateException("Sluice's regime runs first, on a fresh topology");
                    }
                    yield started;
                }
                case NO_QOS -> limit(OperatorThrottles.UNLIMITED);
                case STATIC -> limit(bronzeLimit);
            };
            // The first regime's set-up is the topology's start; the next ones', setting their throttles.
            double setup = regimesRun == 0 ? startSeconds : (System.nanoTime() - began) / 1e9;
            regimesRun++;
            return driver.drive(regimesRun + "-" + regime.name(), timeline, lead, flood, setup, restartsBefore);
        } catch (IOException | RuntimeException e) {
            throw new IOException(regime + " run failed: " + e.getMessage() + "\n" + String.join("\n", log), e);
        }
    }

    /** Gold unlimited and bronze at {@code bronze}, as operators' throttles; the timeline once both are in force. */
    private Timeline limit(long bronze) throws IOException, InterruptedException {
        if (throttles == null) {
            throttles = new OperatorThrottles(settings);
        }
        long setAt = System.currentTimeMillis();
        boolean goldChanges = goldLimit != OperatorThrottles.UNLIMITED;
        boolean bronzeChanges = bronzeLimit != bronze;
        try {
            if (goldChanges) {
                throttles.set(GOLD_VOLUME_ID, OperatorThrottles.UNLIMITED);
                goldLimit = OperatorThrottles.UNLIMITED;
            }
            if (bronzeChanges) {
                throttles.set(DemoPlan.BRONZE_VOLUME_ID, bronze);
                bronzeLimit = bronze;
            }
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("could not set the throttles: " + e.getMessage(), e);
        }
        Timeline timeline = new Timeline(plan.statsFile("gold"), plan.statsFile("bronze"), "the throttles were set");
        try {
            awaitSets(timeline, bronzeChanges ? setAt : Timeline.NO_SET, goldChanges, "the throttles take effect");
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; set at " + setAt + "; the services: " + throttles.live(), e);
        }
        return timeline;
    }

    /**
     * Waits, tending the supervisor, until both gateways are in session with the monitor and have reported, and the
     * sets asked for are in force (see {@link Timeline#ready}). The supervisor's start returns once each gateway
     * listens, which under load can be seconds before its monitor session; a flood started then runs unthrottled until
     * the session comes up, which measures the machine's start-up, not the control loop.
     */
    private void awaitSets(Timeline timeline, long madeAfter, boolean goldToo, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONTROL_PLANE_SECONDS);
        while (!timeline.ready(madeAfter, goldToo)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("within " + CONTROL_PLANE_SECONDS
                        + " s the gateways did not both report to the monitor and " + what + ": " + timeline.state());
            }
            supervisor.doWork();
            Thread.sleep(100);
        }
    }

    /** Seconds it took to start the topology until the control plane was ready. */
    double startSeconds() {
        return startSeconds;
    }

    /** Seconds {@link #close} took to stop everything. */
    double stopSeconds() {
        return stopSeconds;
    }

    @Override
    public void close() {
        long began = System.nanoTime();
        try {
            if (throttles != null) {
                throttles.close();
            }
        } finally {
            teardown.close();
            stopSeconds = (System.nanoTime() - began) / 1e9;
        }
    }
}
