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
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import io.sluice.sim.storage.SimulatedBackend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One simulated backend and its gateways, stepped one poll interval at a time, under one of three regimes: the SLA
 * services' analyzer closing the loop ({@link Mode#QOS}), nothing at all ({@link Mode#NO_QOS}), or fixed per-volume
 * IOPS limits set once ({@link Mode#STATIC}, what a QEMU throttle group gives). The analyzer reads the STATS frames the
 * backend produces and its THROTTLE_SETs go back as frames, as in the services' own control tests.
 */
final class ClosedLoop {
    static final String BACKEND = "b1";
    static final int INTERVAL_MILLIS = 1_000;
    static final long START = 1_700_000_000_000L;

    enum Mode {
        QOS,
        NO_QOS,
        STATIC
    }

    final SimulatedBackend backend;
    final Map<Integer, List<Long>> limits = new HashMap<>();
    private final Mode mode;
    private final Inventory inventory = new Inventory();
    private final PolicyBook book;
    private final PerformanceAnalyzer analyzer;
    private final ThrottleFrames frames = new ThrottleFrames();
    private final StatsReader stats = new StatsReader();
    private final List<BiConsumer<Integer, StatsReader>> reportWatchers = new ArrayList<>();
    private long now = START;
    private long commandId;
    private int interval;

    ClosedLoop(Mode mode, double capacityIops, long baseLatencyMicros, long seed) {
        this(mode, capacityIops, baseLatencyMicros, 1, seed);
    }

    /** On a device serving {@code servers} requests at once ({@link SimulatedBackend#servers(int)}). */
    ClosedLoop(Mode mode, double capacityIops, long baseLatencyMicros, int servers, long seed) {
        this.mode = mode;
        inventory.addBackend(new BackendProfile(BACKEND, (long) capacityIops, baseLatencyMicros));
        backend = new SimulatedBackend(capacityIops, baseLatencyMicros, seed).servers(servers);
        PerformanceAnalyzer[] self = new PerformanceAnalyzer[1];
        book = new PolicyBook(inventory, id -> self[0].capacityIops(id));
        analyzer =
                new PerformanceAnalyzer(inventory, book, INTERVAL_MILLIS, START, this::deliver, new ComplianceJudge());
        self[0] = analyzer;
    }

    SimulatedBackend.SimVolume volume(int volumeId, long gatewayId, double demand) {
        inventory.place(new VolumePlacement(volumeId, BACKEND, List.of(), 1L << 40));
        return backend.addVolume(volumeId, gatewayId).demand(demand);
    }

    /** Under QOS: the SLA the analyzer enforces. Otherwise ignored: the baselines know no SLAs. */
    void attach(int volumeId, Sla sla) {
        book.attach(Scope.volume(volumeId), sla);
    }

    /** Under STATIC: a limit set once at the volume's gateway, never changed. */
    void staticLimit(int volumeId, long gatewayId, long iops) {
        if (mode != Mode.STATIC) {
            return;
        }
        deliver(gatewayId, List.of(new ThrottleParams(volumeId, 1, 0, iops, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    }

    /** Sees every STATS frame: the interval's index and the frame. */
    void watchReports(BiConsumer<Integer, StatsReader> watcher) {
        reportWatchers.add(watcher);
    }

    void run(int intervals) {
        for (int i = 0; i < intervals; i++) {
            Map<Long, ByteBuffer> reports = backend.step(now, INTERVAL_MILLIS);
            now += INTERVAL_MILLIS;
            for (ByteBuffer report : reports.values()) {
                stats.wrap(report, 0);
                for (BiConsumer<Integer, StatsReader> watcher : reportWatchers) {
                    watcher.accept(interval, stats);
                }
                if (mode == Mode.QOS) {
                    analyzer.onStats(stats);
                }
            }
            if (mode == Mode.QOS) {
                analyzer.doWork(now);
            }
            for (VolumePlacement volume : inventory.volumes()) {
                limits.computeIfAbsent(volume.volumeId(), id -> new ArrayList<>())
                        .add(backend.volume(volume.volumeId()).totalLimit());
            }
            interval++;
        }
    }

    long learnedCapacity() {
        return analyzer.capacityIops(BACKEND);
    }

    private void deliver(long gatewayId, List<ThrottleParams> sets) {
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(sets.size()));
        frames.write(frame, ++commandId, gatewayId, commandId, sets);
        frame.flip();
        backend.apply(frame);
    }
}
