package io.sluice.bench.control;

import io.sluice.server.demo.DemoPlan;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load of one control-real regime: fio (nbd engine) in place of the demo's load generator, so each of gold's I/Os
 * is logged with its completion time and latency. Gold at the demo's rate and mix for {@code lead} s alone, then bronze
 * flooding (4 KiB random reads, QD32, backlogged) for {@code flood} s next to it; the supervisor tended and bronze's
 * stats file watched throughout, on the calling thread.
 */
final class RegimeDriver {
    /** The share of gold's I/Os that are reads, as the demo's load generator issues them. */
    private static final int GOLD_READ_PERCENT = 70;

    private final Supervisor supervisor;
    private final TopologyTeardown teardown;
    private final Path dir;
    private final String goldUri;
    private final String bronzeUri;

    RegimeDriver(Supervisor supervisor, TopologyTeardown teardown, Path dir, DemoPlan plan) {
        this.supervisor = supervisor;
        this.teardown = teardown;
        this.dir = dir;
        int goldPort = 0;
        int bronzePort = 0;
        for (RoleSpec spec : plan.workload()) {
            switch (spec.name()) {
                case "gold-gateway" -> goldPort = spec.readyPort();
                case "bronze-gateway" -> bronzePort = spec.readyPort();
                default -> {}
            }
        }
        this.goldUri = "nbd://127.0.0.1:" + goldPort + "/gold";
        this.bronzeUri = "nbd://127.0.0.1:" + bronzePort + "/bronze";
    }

    /** Runs the regime's load; its files are named after {@code name}. */
    RegimeOutcome drive(String name, Timeline timeline, int lead, int flood, double setupSeconds, int restartsBefore)
            throws IOException, InterruptedException {
        Path goldLog = dir.resolve(name + "-gold");
        FioLoad gold = FioLoad.start(
                goldUri,
                goldLog,
                lead + flood + 1,
                List.of(
                        "--rw=randrw",
                        "--rwmixread=" + GOLD_READ_PERCENT,
                        "--iodepth=8",
                        "--rate_iops=" + RealTopology.GOLD_IOPS * GOLD_READ_PERCENT / 100 + ","
                                + RealTopology.GOLD_IOPS * (100 - GOLD_READ_PERCENT) / 100,
                        "--write_lat_log=" + goldLog),
                teardown);
        FioLoad bronze = null;
        FioLoad.Tending tending = () -> {
            supervisor.doWork();
            timeline.watch();
        };
        try {
            long floodAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(lead);
            while (System.nanoTime() < floodAt) {
                tending.tend();
                Thread.sleep(100);
            }
            timeline.floodStarts();
            bronze = FioLoad.start(
                    bronzeUri,
                    dir.resolve(name + "-bronze"),
                    flood,
                    List.of("--rw=randread", "--iodepth=32"),
                    teardown);
            long bronzeIos = bronze.awaitTotalIos(tending);
            gold.awaitTotalIos(tending);
            GoldWindows windows = GoldWindows.judge(goldLog, lead, flood);
            return new RegimeOutcome(
                    flood,
                    flood - windows.missed().size(),
                    (double) windows.ios() / flood,
                    (double) bronzeIos / flood,
                    restarts() - restartsBefore,
                    setupSeconds,
                    windows.missed(),
                    timeline);
        } finally {
            gold.stop();
            if (bronze != null) {
                bronze.stop();
            }
        }
    }

    /** Role and gateway restarts the supervisor has made so far. */
    int restarts() {
        return supervisor.status().stream()
                .mapToInt(Supervisor.RoleStatus::restarts)
                .sum();
    }
}
