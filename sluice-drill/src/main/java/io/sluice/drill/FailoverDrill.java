package io.sluice.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.sim.SimContext;
import io.sluice.sim.SimCounter;
import io.sluice.sim.SimTimings;
import io.sluice.sim.Simulator;
import io.sluice.sim.VolumeIds;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The server pair's takeover drill (docs/operations.md, "Running a pair"), shared by
 * {@code ServerPairTakeoverSystemTest} and {@code sluice bench failover}: two {@code sluice server} processes on one
 * fresh PostgreSQL database, a simulated fleet and a real {@code sluice gateway} (fio writing and verifying through it
 * the whole time) listing both monitors. Each round makes an SLA edit through the active's web API, kills the active's
 * whole process tree with -9, times the takeover (the kill to every gateway's acknowledgement of a throttle set of the
 * new epoch), checks the edit through the new active's web API, and starts the killed server again as a standby, so the
 * servers alternate. {@link #finish} stops fio after its current run and audits the stored samples. Nothing here judges
 * time: every wait is bounded generously and only fails on its bound.
 */
public final class FailoverDrill implements AutoCloseable {
    private static final byte[] SECRET = "failover-drill-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final long START_MILLIS = 240_000;
    private static final long TAKEOVER_MILLIS = 120_000;

    private final Path dir;
    private final String pgBase;
    private final String user;
    private final String password;
    private final String database =
            "sluice_ha_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final int simulatedGateways;
    private final PrintStream out;
    private final String classpath;
    private final PairServer a;
    private final PairServer b;
    private final DrillWeb web = new DrillWeb();
    private final List<Long> takeoverMillis = new ArrayList<>();
    private final List<Long> leaseMillis = new ArrayList<>();
    private final List<Long> epochs = new ArrayList<>();
    private final List<long[]> takeovers = new ArrayList<>();
    private final List<String> edits = new ArrayList<>();
    private int editsLost;
    private Simulator fleet;
    private DrillGateway gateway;
    private PairServer active;
    private PairServer standby;
    private long epoch;

    /**
     * @param dir a private directory for the servers' data, configurations and logs (kept afterwards)
     * @param pgBase the PostgreSQL URL up to the database name, e.g. {@code jdbc:postgresql://127.0.0.1:5432/}; the
     *     drill creates a database there (dropped at {@link #close}) as {@code user}, who must be allowed to
     * @param heartbeatTimeoutMillis the supervisors' heartbeat timeout, 0 for the default
     * @param classpath the class path the servers and the gateway run with
     */
    public FailoverDrill(
            Path dir,
            String pgBase,
            String user,
            String password,
            int simulatedGateways,
            long heartbeatTimeoutMillis,
            String classpath,
            PrintStream out)
            throws IOException {
        this.dir = PrivateFiles.ensureDirectory(dir);
        this.pgBase = pgBase;
        this.user = user;
        this.password = password;
        this.simulatedGateways = simulatedGateways;
        this.out = out;
        String prefix = "ha-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000;
        String approve = "1-" + (simulatedGateways + 1);
        this.a = new PairServer(dir, prefix, "a", pgBase + database, user, approve, heartbeatTimeoutMillis, classpath);
        this.b = new PairServer(dir, prefix, "b", pgBase + database, user, approve, heartbeatTimeoutMillis, classpath);
        this.classpath = classpath;
    }

    public PairServer active() {
        return active;
    }

    public PairServer standby() {
        return standby;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * Creates the database, starts both servers, the fleet and the real gateway, waits until every gateway acknowledged
     * a throttle set of the first epoch, creates the first admin and an operator token through the active's web, and
     * starts fio.
     */
    public void start() throws Exception {
        try (Connection c = DriverManager.getConnection(pgBase + "postgres", user, password);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        PrivateFiles.writeSecret(dir.resolve("secret"), SECRET);
        PrivateFiles.writeSecret(dir.resolve("db.password"), password.getBytes(StandardCharsets.UTF_8));
        a.start();
        b.start();
        // One takes the lease (at epoch 1, or 2 if its first acquisition was too slow); the other is standby naming it.
        await(
                "one server active, the other standby of it",
                START_MILLIS,
                () -> a.activeWith(b) || b.activeWith(a),
                () -> "a: " + a.ha() + "\nb: " + b.ha() + "\n--- a\n" + a.tail() + "\n--- b\n" + b.tail());
        active = a.activeWith(b) ? a : b;
        standby = active == a ? b : a;
        epoch = active.epoch();
        // Back-off at most a second, as docs/operations.md advises for the gateways of a pair.
        SimTimings timings = new SimTimings(1_000, 2_000, 5_000, 100, 1_000, 1_500, 10_000, 3);
        long fleetStartedAtWall = System.currentTimeMillis();
        fleet = Simulator.start(SimContext.builder(new InetSocketAddress("127.0.0.1", a.monitorPort()), SECRET)
                .alsoMonitor(new InetSocketAddress("127.0.0.1", b.monitorPort()))
                .gateways(simulatedGateways)
                .volumesPerGateway(2)
                .firstGatewayId(1)
                .volumeIds(VolumeIds.DISTINCT)
                .timings(timings)
                .threads(1)
                .seed(17)
                .build());
        gateway = new DrillGateway(
                dir.resolve("gateway"), simulatedGateways + 1L, List.of(a.address(), b.address()), classpath);
        long first = epoch;
        long[] ackedBefore = {0};
        await(
                "every gateway acknowledges a throttle set of epoch " + first,
                START_MILLIS,
                () -> controlledAt(first, ackedBefore),
                this::fleetState);
        // The first start is a takeover from no active: until the first active's services are in control, the
        // reports they cannot take yet are lost as in any takeover (gateways do not keep them; see SampleAudit).
        takeovers.add(new long[] {fleetStartedAtWall, System.currentTimeMillis()});
        // Each server's web issues a setup token at its start while no user exists, and the later one replaces the
        // earlier: the one that works is the one its own web accepts.
        await(
                "a server's web creates the first admin through its setup link",
                START_MILLIS,
                () -> signedIn(active) || signedIn(standby),
                () -> active.tail() + "\n" + standby.tail());
        gateway.startFio();
        out.printf(
                "pair up: %s active at epoch %d, %s standby; %d simulated gateways and a real one in control%n",
                active.address(), epoch, standby.address(), simulatedGateways);
    }

    private boolean signedIn(PairServer server) {
        String token = DrillWeb.setupToken(server);
        try {
            return token != null && web.signIn(server, token);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Every simulated gateway's last acknowledged set is of epoch {@code epoch}, and the real gateway has seen it and
     * acknowledged a set since {@code acked[0]} sets.
     */
    private boolean controlledAt(long epoch, long[] acked) {
        if (!gateway.alive()) {
            throw new IllegalStateException("the real gateway exited:\n" + gateway.tail());
        }
        long[] sims = fleet.ackedEpochs();
        JsonNode link = gateway.link();
        return Arrays.stream(sims).allMatch(e -> e == epoch)
                && link.path("epoch").asLong() == epoch
                && link.path("throttle-sets-acked").asLong() > acked[0];
    }

    /** Every simulated gateway's last acknowledged set is of one epoch newer than {@code than}: that epoch, else -1. */
    private long commonEpochAfter(long than) {
        long[] acked = fleet.ackedEpochs();
        return acked[0] > than && Arrays.stream(acked).allMatch(e -> e == acked[0]) ? acked[0] : -1;
    }

    private String fleetState() {
        return "simulated: " + Arrays.toString(fleet.ackedEpochs()) + " "
                + fleet.snapshot().summaryLine() + "\nreal gateway: " + gateway.link() + "\n--- active "
                + active.address() + "\n" + active.tail();
    }

    /** One round: an SLA edit on the active, kill -9 of its tree, the takeover timed, the edit checked, a restart. */
    public void killActive(int round) throws Exception {
        String edit = "drill-edit-" + round;
        DrillWeb.Answer[] created = {null};
        await(
                "the active's web stores SLA " + edit,
                TAKEOVER_MILLIS,
                () -> {
                    try {
                        created[0] = web.createSla(active, edit, 900_000 + round);
                        return created[0].status() == 201;
                    } catch (IOException e) {
                        return false;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                },
                () -> String.valueOf(created[0]));
        edits.add(edit);

        PairServer killed = active;
        PairServer next = standby;
        long from = epoch;
        long[] ackedBefore = {gateway.link().path("throttle-sets-acked").asLong()};
        long killedAt = System.nanoTime();
        long killedAtWall = System.currentTimeMillis();
        killed.killTree();
        await(
                "every gateway acknowledges a throttle set of a newer epoch after kill " + round,
                TAKEOVER_MILLIS,
                () -> {
                    long to = commonEpochAfter(from);
                    return to > 0 && controlledAt(to, ackedBefore);
                },
                () -> fleetState() + "\n--- next " + next.address() + " " + next.ha() + "\n" + next.tail());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        long to = commonEpochAfter(from);
        takeoverMillis.add(millis);
        takeovers.add(new long[] {killedAtWall, System.currentTimeMillis()});
        leaseMillis.add(next.logged("STANDBY -> ACTIVE") - killedAtWall);
        epochs.add(to);
        out.printf(
                "kill %d: %s took the lease at epoch %d %d ms after the kill; every gateway acknowledged a throttle set"
                        + " of it %d ms after the kill%n",
                round, next.address(), to, leaseMillis.getLast(), millis);
        await(
                "the new active's status.json says so",
                TAKEOVER_MILLIS,
                () -> next.is("active", to),
                () -> next.ha().toString());
        epoch = to;
        active = next;
        standby = killed;

        // Every edit made so far, the last one a moment before the kill, listed by the new active.
        AtomicReference<Set<String>> listed = new AtomicReference<>();
        await(
                "the new active's web lists the SLAs",
                TAKEOVER_MILLIS,
                () -> {
                    try {
                        listed.set(web.slaNames(next));
                        return listed.get() != null;
                    } catch (IOException e) {
                        return false;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                },
                () -> "no answer");
        editsLost = (int) edits.stream().filter(e -> !listed.get().contains(e)).count();

        killed.start();
        await(
                "the restarted server is standby of the new active",
                START_MILLIS,
                () -> killed.is("standby", to)
                        && killed.ha().path("holder").asText().equals(next.address()),
                () -> killed.ha() + "\n" + killed.tail());
    }

    /** Lets fio finish its run, stops the gateways and audits what was stored. */
    public FailoverReport finish() throws Exception {
        gateway.stopFio();
        boolean gatewayAlive = gateway.alive();
        JsonNode link = gateway.link();
        long staleApplied = fleet.olderEpochAcks();
        long staleRefused = fleet.snapshot().total().get(SimCounter.STALE_EPOCH_REFUSALS)
                + link.path("stale-epoch-refusals").asLong();
        fleet.close();
        gateway.close();
        SampleAudit samples = SampleAudit.of(pgBase + database, user, password, takeovers);
        return new FailoverReport(
                List.copyOf(takeoverMillis),
                List.copyOf(leaseMillis),
                List.copyOf(epochs),
                staleApplied,
                staleRefused,
                samples,
                edits.size(),
                editsLost,
                gateway.fioRuns(),
                gateway.fioWrittenBytes(),
                gateway.fioFailures(),
                gatewayAlive);
    }

    @Override
    public void close() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        for (PairServer server : List.of(a, b)) {
            if (server.running()) {
                server.killTree();
            }
            Path mailboxes = ServerMailboxes.directory(Path.of("/dev/shm"), server.name());
            if (Files.exists(mailboxes)) {
                try (Stream<Path> files = Files.walk(mailboxes)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                }
            }
        }
        try (Connection c = DriverManager.getConnection(pgBase + "postgres", user, password);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            out.println("could not drop database " + database + ": " + e.getMessage());
        }
    }

    /** Polls {@code condition} (testkit's {@link Await}); a drill that times out is an error of the run, not a test. */
    private static void await(String what, long timeoutMillis, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        if (!Await.within(timeoutMillis, 50, condition)) {
            throw new IllegalStateException("not within " + timeoutMillis / 1_000 + " s: " + what + "\n" + state.get());
        }
    }
}
