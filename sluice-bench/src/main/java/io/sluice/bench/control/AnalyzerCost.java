package io.sluice.bench.control;

import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.control.PerformanceAnalyzer;
import io.sluice.services.control.ThrottleFrames;
import io.sluice.services.control.ThrottleParams;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.sim.storage.SimulatedBackend;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The analyzer's cost per interval at scale: 10,000 volumes on 1,000 gateways (10 each), 100 backends of 10 gateways,
 * three tenants' SLAs (gold with a reservation and a latency objective, silver with a weight, bronze BEST_EFFORT under
 * a tenant-wide cap of 500,000 IOPS) and compliance judged every interval, as in the services process. Each interval
 * the simulated backends produce the 1,000 STATS frames; what is timed is what the services' loop does with them: the
 * analyzer taking every report ({@code onStats}) and running its interval ({@code doWork}, which includes the
 * compliance judge). The backends' own stepping is not timed.
 */
final class AnalyzerCost {
    static final int GATEWAYS = 1_000;
    static final int VOLUMES_PER_GATEWAY = 10;
    static final int GATEWAYS_PER_BACKEND = 10;
    static final int INTERVAL_MILLIS = 1_000;

    /**
     * Per timed interval, milliseconds of wall-clock time and of the thread's CPU time (on a shared machine the
     * wall-clock figure includes time the thread waited for a core); and the sets sent in total.
     */
    record Result(
            double meanMillis, double p50Millis, double maxMillis, double meanCpuMillis, long setsSent, int volumes) {}

    private AnalyzerCost() {}

    static Result measure(int warmupIntervals, int timedIntervals, long seed) {
        Inventory inventory = new Inventory();
        List<SimulatedBackend> backends = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        Scope gold = Scope.tenant("gold");
        Scope silver = Scope.tenant("silver");
        Scope bronze = Scope.tenant("bronze");
        int volumeId = 0;
        for (int b = 0; b < GATEWAYS / GATEWAYS_PER_BACKEND; b++) {
            String backendId = "array-" + b;
            inventory.addBackend(new BackendProfile(backendId, 20_000, 200));
            SimulatedBackend backend = new SimulatedBackend(20_000, 200, seed + b);
            backends.add(backend);
            for (int g = 0; g < GATEWAYS_PER_BACKEND; g++) {
                long gatewayId = 1L + b * GATEWAYS_PER_BACKEND + g;
                for (int v = 0; v < VOLUMES_PER_GATEWAY; v++) {
                    volumeId++;
                    Scope tenant = volumeId % 10 == 0 ? gold : volumeId % 3 == 0 ? silver : bronze;
                    inventory.place(new VolumePlacement(volumeId, backendId, List.of(tenant), 1L << 40));
                    backend.addVolume(volumeId, gatewayId).demand(50 + random.nextInt(350));
                }
            }
        }
        PerformanceAnalyzer[] self = new PerformanceAnalyzer[1];
        PolicyBook book = new PolicyBook(inventory, id -> self[0].capacityIops(id));
        ThrottleFrames frames = new ThrottleFrames();
        long[] commandId = {0};
        SimulatedBackend[] byGateway = new SimulatedBackend[GATEWAYS + 1];
        for (int b = 0; b < backends.size(); b++) {
            for (int g = 0; g < GATEWAYS_PER_BACKEND; g++) {
                byGateway[1 + b * GATEWAYS_PER_BACKEND + g] = backends.get(b);
            }
        }
        PerformanceAnalyzer analyzer = new PerformanceAnalyzer(
                inventory,
                book,
                INTERVAL_MILLIS,
                ClosedLoop.START,
                (gatewayId, sets) -> deliver(frames, commandId, byGateway[(int) gatewayId], gatewayId, sets),
                new ComplianceJudge());
        self[0] = analyzer;
        book.attach(
                gold,
                Sla.named("gold")
                        .priority(PriorityClass.CRITICAL)
                        .reservedIops(50)
                        .weight(400)
                        .latency(new LatencyObjective(95, 3_000, 3_000, 5))
                        .build());
        book.attach(silver, Sla.named("silver").weight(200).build());
        book.attach(
                bronze,
                Sla.named("bronze")
                        .priority(PriorityClass.BEST_EFFORT)
                        .iopsLimit(500_000)
                        .build());

        StatsReader stats = new StatsReader();
        long now = ClosedLoop.START;
        double[] timed = new double[timedIntervals];
        double cpuMillis = 0;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warmupIntervals + timedIntervals; i++) {
            List<ByteBuffer> reports = new ArrayList<>(GATEWAYS);
            for (SimulatedBackend backend : backends) {
                for (Map.Entry<Long, ByteBuffer> report :
                        backend.step(now, INTERVAL_MILLIS).entrySet()) {
                    reports.add(report.getValue());
                }
            }
            now += INTERVAL_MILLIS;
            long started = System.nanoTime();
            long cpuStarted = threads.getCurrentThreadCpuTime();
            for (ByteBuffer report : reports) {
                analyzer.onStats(stats.wrap(report, 0));
            }
            analyzer.doWork(now);
            long elapsed = System.nanoTime() - started;
            long cpu = threads.getCurrentThreadCpuTime() - cpuStarted;
            if (i >= warmupIntervals) {
                timed[i - warmupIntervals] = elapsed / 1e6;
                cpuMillis += cpu / 1e6;
            }
        }
        double[] sorted = timed.clone();
        Arrays.sort(sorted);
        return new Result(
                Arrays.stream(timed).average().orElse(0),
                sorted[sorted.length / 2],
                sorted[sorted.length - 1],
                cpuMillis / timedIntervals,
                analyzer.setsSent(),
                volumeId);
    }

    private static void deliver(
            ThrottleFrames frames,
            long[] commandId,
            SimulatedBackend backend,
            long gatewayId,
            List<ThrottleParams> sets) {
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(sets.size()));
        frames.write(frame, ++commandId[0], gatewayId, commandId[0], sets);
        frame.flip();
        backend.apply(frame);
    }
}
