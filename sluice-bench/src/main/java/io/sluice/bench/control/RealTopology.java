package io.sluice.bench.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One regime of {@code sluice bench control-real}: the topology {@code sluice demo} runs ({@link DemoPlan}: the storage
 * array gateway of {@link DemoPlan#ARRAY_IOPS}, the gold and bronze gateways in front of it, the SLA server's roles
 * under the demo's supervisor), every part a real process on loopback, with fio as the load generator so each of gold's
 * I/Os is logged with its completion time and latency. Gold runs at the demo's rate and mix from the start; after
 * {@code lead} seconds (the gateways reporting, the server knowing both volumes) bronze floods at QD32 for
 * {@code flood} seconds, and gold's 1 s windows during the flood are judged: a window is met when gold's p95 is within
 * its objective and gold completed at least {@link #GOLD_RATE_SHARE} of its rate in it. The second half matters: gold,
 * like the demo's load generator, keeps at most 8 I/Os in flight, so an array that serves it too slowly shows up as
 * I/Os never issued rather than as latency (at QD8, gold's latency stays under 20 ms down to 400 IOPS).
 *
 * <p>The regimes: {@link Regime#SLUICE} is the demo as it is (all four roles, gold's and bronze's SLAs stored);
 * {@link Regime#NO_QOS} runs the server without its services role (nothing sets a limit); {@link Regime#STATIC} does
 * the same with a fixed IOPS limit in bronze's gateway configuration, as an administrator would set one.
 *
 * <p>Everything started here stops here: fio is killed if it outlives its runtime, the supervisor stops the roles and
 * gateways in reverse order (each within 5 s, then killed), the server's mailboxes in /dev/shm and the run's directory
 * are removed, on success and on failure alike.
 */
final class RealTopology {
    static final int ARRAY_IOPS = DemoPlan.ARRAY_IOPS;
    static final int GOLD_IOPS = DemoPlan.GOLD_IOPS;
    static final int GOLD_P95_MICROS = DemoPlan.GOLD_P95_TARGET_MICROS;
    /** The share of gold's I/Os that are reads, as the demo's load generator issues them. */
    private static final int GOLD_READ_PERCENT = 70;
    /** The share of its rate gold must complete in a window for the window to count as met. */
    static final double GOLD_RATE_SHARE = 0.95;
    /** How long the gateways may take to join the monitor (and bronze to get its first set) before the run fails. */
    private static final int CONTROL_PLANE_SECONDS = 180;

    enum Regime {
        SLUICE,
        NO_QOS,
        STATIC
    }

    /**
     * @param windows gold's 1 s windows during the flood
     * @param windowsMet of which gold's p95 was within its objective and gold had its rate (see above)
     * @param goldIops gold's I/Os completed during the flood, per second
     * @param bronzeIops bronze's, per second of its run
     * @param restarts role and gateway restarts the supervisor made (a crash would make the figures suspect)
     * @param overheadSeconds the run's wall clock less the load's: starting and stopping the processes
     * @param missed the windows missed
     * @param timeline when the control plane was ready and when bronze's throttle sets took effect ({@link Timeline})
     */
    record Outcome(
            int windows,
            int windowsMet,
            double goldIops,
            double bronzeIops,
            int restarts,
            double overheadSeconds,
            List<Missed> missed,
            Timeline timeline) {
        double windowsMetShare() {
            return windows == 0 ? 0 : (double) windowsMet / windows;
        }

        double deliveredIops() {
            return goldIops + bronzeIops;
        }
    }

    private RealTopology() {}

    static Outcome runUnchecked(Regime regime, long bronzeLimit, int lead, int flood) {
        try {
            return run(regime, bronzeLimit, lead, flood);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Outcome run(Regime regime, long bronzeLimit, int lead, int flood) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Outcome outcome = setUpAndDrive(regime, bronzeLimit, lead, flood);
        double overhead = (System.nanoTime() - started) / 1e9 - lead - flood;
        return new Outcome(
                outcome.windows(),
                outcome.windowsMet(),
                outcome.goldIops(),
                outcome.bronzeIops(),
                outcome.restarts(),
                overhead,
                outcome.missed(),
                outcome.timeline());
    }

    private static Outcome setUpAndDrive(Regime regime, long bronzeLimit, int lead, int flood)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("sluice-bench-control-real-");
        List<String> log = new ArrayList<>();
        try {
            DemoPlan plan = DemoPlan.prepare(dir.resolve("demo"), 0, 1_000, DemoFleet.of(2));
            if (regime == Regime.STATIC) {
                limitBronze(plan.dir().resolve("bronze-gateway.yaml"), bronzeLimit);
            }
            // The web role serves people, not the control path: one JVM fewer to start and stop per regime.
            List<String> roles = ServerSettings.ALL_ROLES.stream()
                    .filter(r -> !r.equals("web") && (regime == Regime.SLUICE || !r.equals("services")))
                    .toList();
            ServerSettings settings = plan.serverSettings(
                    "sluice-bench-real-" + ProcessHandle.current().pid() + "-"
                            + regime.name().toLowerCase(Locale.ROOT),
                    roles);
            List<RoleSpec> everything = new ArrayList<>(RoleCatalog.roles(settings));
            int goldPort = 0;
            int bronzePort = 0;
            for (RoleSpec spec : plan.workload()) {
                switch (spec.name()) {
                    case "gold-gateway" -> goldPort = spec.readyPort();
                    case "bronze-gateway" -> bronzePort = spec.readyPort();
                    default -> {}
                }
                if (!spec.name().endsWith("-load")) {
                    everything.add(spec);
                }
            }
            Supervisor supervisor = new Supervisor(
                    settings.runDir(),
                    RoleCatalog.mailboxes(settings),
                    everything,
                    System.getProperty("java.class.path"),
                    settings.heartbeatTimeoutMillis(),
                    EpochClock.system(),
                    log::add);
            try (Teardown teardown = new Teardown(supervisor, settings, dir)) {
                supervisor.start(role -> {
                    if (role.equals("db") && regime == Regime.SLUICE) {
                        try {
                            DemoSeed.seed(RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), plan.slas());
                        } catch (Exception e) {
                            log.add("could not store the SLAs: " + e.getMessage());
                        }
                    }
                });
                Timeline timeline = new Timeline(plan.statsFile("gold"), plan.statsFile("bronze"));
                awaitControlPlane(supervisor, timeline, regime);
                return drive(
                        supervisor,
                        teardown,
                        dir,
                        timeline,
                        "nbd://127.0.0.1:" + goldPort + "/gold",
                        "nbd://127.0.0.1:" + bronzePort + "/bronze",
                        lead,
                        flood);
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(regime + " run failed: " + e.getMessage() + "\n" + String.join("\n", log), e);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Stops what a run started, once, whichever comes first: the end of the run (normal or not) or this JVM being
     * stopped (a shutdown hook, so Ctrl-C or SIGTERM leave no gateway, role or mailbox behind).
     */
    private static final class Teardown implements AutoCloseable {
        private final Supervisor supervisor;
        private final ServerSettings settings;
        private final Path dir;
        private final Thread hook = new Thread(this::stop, "control-real-teardown");
        private final List<Process> loads = new CopyOnWriteArrayList<>();
        private boolean stopped;

        Teardown(Supervisor supervisor, ServerSettings settings, Path dir) {
            this.supervisor = supervisor;
            this.settings = settings;
            this.dir = dir;
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void load(Process fio) {
            loads.add(fio);
        }

        private synchronized void stop() {
            if (stopped) {
                return;
            }
            stopped = true;
            for (Process p : loads) {
                p.destroyForcibly();
            }
            try {
                supervisor.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    RoleCatalog.removeMailboxes(settings);
                    deleteTree(dir);
                } catch (IOException e) {
                    System.err.println(
                            "control-real: could not remove the mailboxes or " + dir + ": " + e.getMessage());
                }
            }
        }

        @Override
        public void close() {
            stop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing left to undo
            }
        }
    }

    /** Bronze's export gets {@code qos: iops: limit}, under its name and target in the demo's configuration. */
    private static void limitBronze(Path config, long limit) throws IOException {
        String yaml = Files.readString(config);
        String target = "/bronze-disk\n";
        if (!yaml.contains(target)) {
            throw new IOException("bronze's export not found in " + config);
        }
        Files.writeString(config, yaml.replace(target, target + "    qos:\n      iops: " + limit + "\n"));
    }

    /**
     * Waits, tending the supervisor, until both gateways are in session with the monitor and have reported, and under
     * Sluice until bronze's gateway has its first throttle set from the server: the server knows both volumes. The
     * supervisor's start returns once each gateway listens, which under load can be seconds before its monitor session;
     * a flood started then runs unthrottled until the session comes up, which measures the machine's start-up, not the
     * control loop.
     */
    private static void awaitControlPlane(Supervisor supervisor, Timeline timeline, Regime regime)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONTROL_PLANE_SECONDS);
        while (!timeline.ready(regime == Regime.SLUICE)) {
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        "within " + CONTROL_PLANE_SECONDS + " s the gateways did not both report to the monitor"
                                + (regime == Regime.SLUICE ? " and bronze get its first throttle set" : "") + ": "
                                + timeline.state());
            }
            supervisor.doWork();
            Thread.sleep(100);
        }
    }

    /** Gold alone for {@code lead} s, then bronze's flood next to it; the supervisor tended throughout. */
    private static Outcome drive(
            Supervisor supervisor,
            Teardown teardown,
            Path dir,
            Timeline timeline,
            String gold,
            String bronze,
            int lead,
            int flood)
            throws IOException, InterruptedException {
        Path goldLog = dir.resolve("gold");
        Process goldFio = fio(
                teardown,
                gold,
                goldLog,
                lead + flood + 1,
                List.of(
                        "--rw=randrw",
                        "--rwmixread=" + GOLD_READ_PERCENT,
                        "--iodepth=8",
                        "--rate_iops=" + GOLD_IOPS * GOLD_READ_PERCENT / 100 + ","
                                + GOLD_IOPS * (100 - GOLD_READ_PERCENT) / 100,
                        "--write_lat_log=" + goldLog));
        Process bronzeFio = null;
        try {
            long floodAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(lead);
            while (System.nanoTime() < floodAt) {
                supervisor.doWork();
                timeline.watch();
                Thread.sleep(100);
            }
            timeline.floodStarts();
            bronzeFio = fio(teardown, bronze, dir.resolve("bronze"), flood, List.of("--rw=randread", "--iodepth=32"));
            long bronzeIos = awaitTotalIos(supervisor, timeline, bronzeFio, dir.resolve("bronze"), flood);
            awaitTotalIos(supervisor, timeline, goldFio, goldLog, flood);
            GoldWindows windows = goldWindows(goldLog, lead, flood);
            return new Outcome(
                    flood,
                    flood - windows.missed().size(),
                    (double) windows.ios() / flood,
                    (double) bronzeIos / flood,
                    restarts(supervisor),
                    0,
                    windows.missed(),
                    timeline);
        } finally {
            for (Process p : Arrays.asList(goldFio, bronzeFio)) {
                if (p != null && p.isAlive()) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static int restarts(Supervisor supervisor) {
        return supervisor.status().stream()
                .mapToInt(Supervisor.RoleStatus::restarts)
                .sum();
    }

    /**
     * fio's nbd engine, 4 KiB I/O for {@code seconds}; its JSON report in {@code name.json}, its messages in
     * {@code name.out}.
     */
    private static Process fio(Teardown teardown, String uri, Path name, int seconds, List<String> extra)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "fio",
                "--name=" + name.getFileName(),
                "--ioengine=nbd",
                "--uri=" + uri,
                "--bs=4k",
                "--time_based",
                "--runtime=" + seconds,
                "--output-format=json",
                "--output=" + name + ".json"));
        command.addAll(extra);
        Process fio = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Path.of(name + ".out").toFile())
                .start();
        teardown.load(fio);
        return fio;
    }

    /** Waits for fio to end (its runtime and a generous margin), tending the supervisor; the I/Os it completed. */
    private static long awaitTotalIos(Supervisor supervisor, Timeline timeline, Process fio, Path name, int seconds)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 60L);
        while (!fio.waitFor(100, TimeUnit.MILLISECONDS)) {
            supervisor.doWork();
            timeline.watch();
            if (System.nanoTime() > deadline) {
                throw new IOException("fio " + name.getFileName() + " did not end");
            }
        }
        if (fio.exitValue() != 0) {
            throw new IOException("fio " + name.getFileName() + " failed: " + Files.readString(Path.of(name + ".out")));
        }
        String text = Files.readString(Path.of(name + ".json"), StandardCharsets.UTF_8);
        JsonNode job = new ObjectMapper()
                .readTree(text.substring(text.indexOf('{')))
                .get("jobs")
                .get(0);
        return job.get("read").get("total_ios").asLong()
                + job.get("write").get("total_ios").asLong();
    }

    /**
     * A window gold missed: its second from the flood's start, gold's I/Os completed in it and their p95 (0 if none).
     */
    record Missed(int second, int ios, long p95Micros) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d (%d I/Os, p95 %.1f ms)", second, ios, p95Micros / 1000.0);
        }
    }

    /** Gold during the flood: the windows it missed and the I/Os it completed. */
    record GoldWindows(List<Missed> missed, int ios) {}

    /**
     * Gold's windows during the flood, from fio's per-I/O log (completion time in ms from fio's start, latency in ns).
     */
    static GoldWindows goldWindows(Path logPrefix, int lead, int flood) throws IOException {
        List<List<Long>> windows = new ArrayList<>();
        for (int i = 0; i < flood; i++) {
            windows.add(new ArrayList<>());
        }
        for (String line : Files.readAllLines(Path.of(logPrefix + "_lat.1.log"))) {
            String[] fields = line.split(",");
            long window = Long.parseLong(fields[0].strip()) / 1000 - lead;
            if (window >= 0 && window < flood) {
                windows.get((int) window).add(Long.parseLong(fields[1].strip()));
            }
        }
        List<Missed> missed = new ArrayList<>();
        int ios = 0;
        for (int i = 0; i < flood; i++) {
            List<Long> window = windows.get(i);
            ios += window.size();
            long p95 = window.isEmpty() ? 0 : p95Nanos(window);
            if (window.size() < GOLD_RATE_SHARE * GOLD_IOPS || p95 > GOLD_P95_MICROS * 1_000L) {
                missed.add(new Missed(i, window.size(), p95 / 1_000));
            }
        }
        return new GoldWindows(missed, ios);
    }

    /** The 95th percentile by the nearest-rank method. */
    static long p95Nanos(List<Long> latencies) {
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[(int) Math.ceil(0.95 * sorted.length) - 1];
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
