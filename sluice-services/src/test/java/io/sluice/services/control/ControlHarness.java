package io.sluice.services.control;

import io.sluice.common.ManualEpochClock;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.services.compliance.ComplianceJudge;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.sim.storage.SimulatedBackend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The analyzer and compliance judge closed around one {@link SimulatedBackend}, stepped one poll interval at a time on
 * a manual clock: the backend runs an interval and reports STATS, the clock moves, the analyzer ticks and its
 * THROTTLE_SETs go back to the backend as frames. No threads, no sleeps.
 */
final class ControlHarness {
    static final String BACKEND = "b1";
    static final int INTERVAL_MILLIS = 1_000;
    static final long START = 1_700_000_000_000L;

    final ManualEpochClock clock = new ManualEpochClock(START);
    final Inventory inventory = new Inventory();
    final SimulatedBackend backend;
    final PolicyBook book;
    final ComplianceJudge judge = new ComplianceJudge();
    final PolicyRules rules = new PolicyRules(judge::latest, judge.alerts());
    final PerformanceAnalyzer analyzer;
    final List<Integer> setsPerInterval = new ArrayList<>();
    /** Per volume, the total IOPS limit in force after each interval's decision. */
    final Map<Integer, List<Long>> limits = new HashMap<>();

    private final ThrottleFrames frames = new ThrottleFrames();
    private final StatsReader stats = new StatsReader();
    private final PerformanceAnalyzer[] self = new PerformanceAnalyzer[1];
    private long commandId;

    ControlHarness(double capacityIops, long baseLatencyMicros, long nominalIops, long seed) {
        inventory.addBackend(new BackendProfile(BACKEND, nominalIops, baseLatencyMicros));
        backend = new SimulatedBackend(capacityIops, baseLatencyMicros, seed);
        book = new PolicyBook(inventory, id -> self[0].capacityIops(id));
        analyzer = new PerformanceAnalyzer(inventory, book, INTERVAL_MILLIS, START, this::deliver, judge, rules);
        self[0] = analyzer;
    }

    /** Places a volume on the backend, served by gateway {@code gatewayId}, offering {@code demand} IOPS. */
    SimulatedBackend.SimVolume volume(int volumeId, long gatewayId, double demand) {
        inventory.place(new VolumePlacement(volumeId, BACKEND, List.of(), 1L << 40));
        return backend.addVolume(volumeId, gatewayId).demand(demand);
    }

    SimulatedBackend.SimVolume volume(int volumeId, Map<Long, Double> split, double demand, long allocatedBytes) {
        inventory.place(new VolumePlacement(volumeId, BACKEND, List.of(), allocatedBytes));
        return backend.addVolume(volumeId, 0.7, 4096, split).demand(demand);
    }

    Sla attach(int volumeId, Sla sla) {
        return book.attach(Scope.volume(volumeId), sla);
    }

    void run(int intervals) {
        for (int i = 0; i < intervals; i++) {
            Map<Long, ByteBuffer> reports = backend.step(clock.epochMillis(), INTERVAL_MILLIS);
            clock.advance(INTERVAL_MILLIS);
            for (ByteBuffer report : reports.values()) {
                analyzer.onStats(stats.wrap(report, 0));
            }
            setsPerInterval.add(analyzer.doWork(clock.epochMillis()));
            for (int volumeId :
                    inventory.volumes().stream().map(VolumePlacement::volumeId).toList()) {
                limits.computeIfAbsent(volumeId, id -> new ArrayList<>())
                        .add(backend.volume(volumeId).totalLimit());
            }
        }
    }

    private void deliver(long gatewayId, List<ThrottleParams> sets) {
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(sets.size()));
        frames.write(frame, ++commandId, gatewayId, commandId, sets);
        frame.flip();
        backend.apply(frame);
    }
}
