package io.sluice.sim.storage;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A storage backend shared by volumes, with the gateways in front of it, advanced one interval at a time.
 *
 * <p>Each volume offers an open-loop load (its demand, with seeded jitter) split across its gateways. Each gateway's
 * scheduler admits up to the IOPS limit it was last sent and holds the rest in a queue of at most half a second of
 * demand (a client stops issuing beyond that). The device serves what was admitted, up to its capacity, in proportion
 * to what each path has outstanding (it is FIFO: it knows nothing of SLAs); what it cannot serve waits for the next
 * interval. Latency grows with utilisation as in an M/M/1 queue, {@code base / (1 - rho)}, plus the time to drain the
 * device queue, and is spread over the log2 buckets as an exponential distribution with that mean (writes' mean may be
 * a multiple of the reads', {@link #writeLatencyFactor}). The latency reported is the device's: time held by the
 * gateway's own throttle is reported separately, as throttled operations.
 *
 * <p>{@link #servers(int)} gives the device internal parallelism, as an SSD's channels or an array's disks: the same
 * FIFO queue in front of that many servers, each serving one request in {@code base}, and latency from the M/M/c queue
 * ({@link ErlangC}) instead, which stays near {@code base} until nearly every server is busy. One server, the default,
 * is the M/M/1 device above.
 *
 * <p>{@link #weightFair()} turns the device into an array like the gateway's own backend scheduler: it shares its
 * capacity among the volumes by equal weight (max-min, what one volume does not take the others may), so a flooding
 * neighbour takes half of it, and each volume's latency is its own queue's. A volume driven by a closed-loop client
 * ({@link SimVolume#closedLoop}) keeps at most that many I/Os outstanding: what the device does not serve is not
 * issued, so its latency stays bounded while its throughput falls.
 *
 * <p>Consumes THROTTLE_SET frames and produces one STATS frame per gateway per interval, so the analyzer under test
 * reads and writes the real wire layouts.
 */
public final class SimulatedBackend {
    private static final double MAX_UTILISATION = 0.98;
    private static final double BACKLOG_SECONDS = 0.5;

    private final double capacityIops;
    private final double baseLatencyMicros;
    private final Random random;
    private final Map<Integer, SimVolume> volumes = new LinkedHashMap<>();
    private final StatsWriter statsWriter = new StatsWriter();
    private final ThrottleSetReader throttleReader = new ThrottleSetReader();
    private double jitter = 0.03;
    private double writeLatencyFactor = 1;
    private boolean weightFair;
    private int servers = 1;
    private long reportSequence;
    private int interval;

    /** One volume and, per gateway, its scheduler and device queues. */
    public static final class SimVolume {
        final int volumeId;
        final double readFraction;
        final int ioBytes;
        final Map<Long, Path> paths = new LinkedHashMap<>();
        final List<Truth> history = new ArrayList<>();
        double demand;
        /** The most I/Os the client keeps outstanding at the device; 0 for an open-loop client. */
        int queueDepth;

        SimVolume(int volumeId, double readFraction, int ioBytes) {
            this.volumeId = volumeId;
            this.readFraction = readFraction;
            this.ioBytes = ioBytes;
        }

        /** Sets the load this volume offers from the next interval on, IOPS over all its gateways. */
        public SimVolume demand(double iops) {
            this.demand = iops;
            return this;
        }

        /** Makes the client closed-loop: at most {@code depth} I/Os outstanding, the rest never issued. */
        public SimVolume closedLoop(int depth) {
            this.queueDepth = depth;
            return this;
        }

        public int volumeId() {
            return volumeId;
        }

        /** What really happened, interval by interval. */
        public List<Truth> history() {
            return history;
        }

        public Truth last() {
            return history.getLast();
        }

        /** The IOPS limits in force at all its gateways, added up. */
        public long totalLimit() {
            long total = 0;
            for (Path path : paths.values()) {
                total += path.limit;
            }
            return total;
        }

        /** The IOPS limit in force at {@code gatewayId}, 0 for none. */
        public long limitAt(long gatewayId) {
            return paths.get(gatewayId).limit;
        }
    }

    static final class Path {
        final double split;
        long limit;
        long version;
        double backlog;
        double deviceQueue;
        double completed;
        long reportedOps;
        double admitted;
        double served;
        double arrivals;

        Path(double split) {
            this.split = split;
        }
    }

    /**
     * One volume over one interval, as it happened.
     *
     * @param offered the load offered (demand with jitter), IOPS
     * @param delivered IOPS completed
     * @param p95Micros the true 95th percentile latency of the device, reads
     */
    public record Truth(int interval, double offered, double delivered, double meanLatencyMicros, double p95Micros) {}

    public SimulatedBackend(double capacityIops, double baseLatencyMicros, long seed) {
        this.capacityIops = capacityIops;
        this.baseLatencyMicros = baseLatencyMicros;
        this.random = new Random(seed);
    }

    /** How much each interval's offered load varies around the demand, as a fraction; 0.03 by default. */
    public SimulatedBackend jitter(double fraction) {
        this.jitter = fraction;
        return this;
    }

    /** How much slower writes are than reads (a RAID write penalty, a cache that absorbs reads); 1 by default. */
    public SimulatedBackend writeLatencyFactor(double factor) {
        this.writeLatencyFactor = factor;
        return this;
    }

    /**
     * How many requests the device serves at once, each in the unloaded latency; 1 by default. The capacity stays the
     * device's total: a consistent parallel device has about {@code count} over the unloaded latency. The weight-fair
     * array ({@link #weightFair()}) keeps its own per-volume latency.
     */
    public SimulatedBackend servers(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a device has at least one server: " + count);
        }
        this.servers = count;
        return this;
    }

    /** Shares the device among the volumes by equal weight instead of in proportion to their queues. */
    public SimulatedBackend weightFair() {
        this.weightFair = true;
        return this;
    }

    /** Adds a volume served by the gateways in {@code split}, each taking that share of its load. */
    public SimVolume addVolume(int volumeId, double readFraction, int ioBytes, Map<Long, Double> split) {
        SimVolume volume = new SimVolume(volumeId, readFraction, ioBytes);
        split.forEach((gateway, share) -> volume.paths.put(gateway, new Path(share)));
        volumes.put(volumeId, volume);
        return volume;
    }

    public SimVolume addVolume(int volumeId, long gatewayId) {
        return addVolume(volumeId, 0.7, 4096, Map.of(gatewayId, 1.0));
    }

    public SimVolume volume(int volumeId) {
        return volumes.get(volumeId);
    }

    /** Applies a THROTTLE_SET frame at the buffer's position: each set replaces the last if newer. */
    public void apply(ByteBuffer frame) {
        throttleReader.wrap(frame, frame.position());
        long gatewayId = throttleReader.gatewayId();
        for (int i = 0; i < throttleReader.volumeCount(); i++) {
            ThrottleParamsFlyweight params = throttleReader.volume(i);
            SimVolume volume = volumes.get(params.volumeId());
            Path path = volume == null ? null : volume.paths.get(gatewayId);
            if (path != null && params.version() > path.version) {
                path.version = params.version();
                path.limit = params.iopsLimit();
            }
        }
    }

    /**
     * Runs one interval starting at {@code startMillis} and returns each gateway's STATS frame for it, positioned at
     * the frame's start.
     */
    public Map<Long, ByteBuffer> step(long startMillis, int intervalMillis) {
        double seconds = intervalMillis / 1000.0;
        double outstanding = 0;
        for (SimVolume volume : volumes.values()) {
            double offered = volume.demand * (1 + jitter * (2 * random.nextDouble() - 1));
            for (Path path : volume.paths.values()) {
                path.arrivals = offered * path.split * seconds;
                double waiting = path.backlog + path.arrivals;
                path.admitted = path.limit > 0 ? Math.min(waiting, path.limit * seconds) : waiting;
                path.backlog = Math.min(waiting - path.admitted, BACKLOG_SECONDS * volume.demand * path.split);
                outstanding += path.admitted + path.deviceQueue;
            }
            volume.history.add(new Truth(interval, offered, 0, 0, 0));
        }
        double served = Math.min(outstanding, capacityIops * seconds);
        Map<SimVolume, Double> share = weightFair ? fairShares(served) : null;
        double queuedBefore = 0;
        double queuedAfter = 0;
        for (SimVolume volume : volumes.values()) {
            double volumeIn = 0;
            for (Path path : volume.paths.values()) {
                volumeIn += path.admitted + path.deviceQueue;
            }
            for (Path path : volume.paths.values()) {
                double in = path.admitted + path.deviceQueue;
                queuedBefore += path.deviceQueue;
                if (share != null) {
                    path.served = volumeIn == 0 ? 0 : in * share.get(volume) / volumeIn;
                } else {
                    path.served = outstanding == 0 ? 0 : in * served / outstanding;
                }
                path.deviceQueue = in - path.served;
                if (volume.queueDepth > 0) {
                    // A closed-loop client never issued what would exceed its depth, at the gateway and device
                    // together.
                    double depth = volume.queueDepth * path.split;
                    path.backlog = Math.min(path.backlog, depth);
                    path.deviceQueue = Math.min(path.deviceQueue, depth - path.backlog);
                }
                queuedAfter += path.deviceQueue;
                path.completed += path.served;
            }
        }
        double rho = Math.min(MAX_UTILISATION, served / (capacityIops * seconds));
        double meanMicros = ErlangC.meanSojournMicros(servers, rho, baseLatencyMicros)
                + (queuedBefore + queuedAfter) / 2 / capacityIops * 1e6;
        Map<Long, List<Object[]>> byGateway = new LinkedHashMap<>();
        for (SimVolume volume : volumes.values()) {
            double delivered = 0;
            for (Map.Entry<Long, Path> entry : volume.paths.entrySet()) {
                delivered += entry.getValue().served / seconds;
                byGateway
                        .computeIfAbsent(entry.getKey(), g -> new ArrayList<>())
                        .add(new Object[] {volume, entry.getValue()});
            }
            Truth offered = volume.history.removeLast();
            volume.history.add(
                    new Truth(interval, offered.offered(), delivered, meanMicros, -meanMicros * Math.log(0.05)));
        }
        Map<Long, ByteBuffer> frames = new LinkedHashMap<>();
        for (long gatewayId : new TreeSet<>(byGateway.keySet())) {
            frames.put(
                    gatewayId,
                    statsFrame(gatewayId, byGateway.get(gatewayId), startMillis, intervalMillis, meanMicros, seconds));
        }
        interval++;
        return frames;
    }

    /** Weighted max-min shares of what the device serves this interval, one equal weight per volume. */
    private Map<SimVolume, Double> fairShares(double served) {
        Map<SimVolume, Double> wants = new LinkedHashMap<>();
        for (SimVolume volume : volumes.values()) {
            double in = 0;
            for (Path path : volume.paths.values()) {
                in += path.admitted + path.deviceQueue;
            }
            wants.put(volume, in);
        }
        Map<SimVolume, Double> share = new LinkedHashMap<>();
        double left = served;
        while (!wants.isEmpty() && left > 1e-9) {
            double each = left / wants.size();
            boolean filled = false;
            for (var it = wants.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getValue() <= each) {
                    share.put(entry.getKey(), entry.getValue());
                    left -= entry.getValue();
                    it.remove();
                    filled = true;
                }
            }
            if (!filled) {
                for (SimVolume volume : wants.keySet()) {
                    share.put(volume, each);
                }
                left = 0;
                wants.clear();
            }
        }
        wants.keySet().forEach(volume -> share.put(volume, 0.0));
        return share;
    }

    private ByteBuffer statsFrame(
            long gatewayId,
            List<Object[]> paths,
            long startMillis,
            int intervalMillis,
            double meanMicros,
            double seconds) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(paths.size()));
        statsWriter.begin(
                frame,
                ++reportSequence,
                gatewayId,
                false,
                reportSequence,
                0,
                startMillis,
                intervalMillis,
                paths.size());
        for (int i = 0; i < paths.size(); i++) {
            SimVolume volume = (SimVolume) paths.get(i)[0];
            Path path = (Path) paths.get(i)[1];
            long ops = (long) path.completed - path.reportedOps;
            path.reportedOps += ops;
            long reads = Math.round(ops * volume.readFraction);
            long writes = ops - reads;
            long held = Math.round(Math.max(0, path.arrivals - path.admitted) + Math.min(path.admitted, path.backlog));
            double pathMicros = meanMicros;
            if (weightFair) {
                // Each volume waits only behind its own queue (Little's law: the queue over its service rate).
                double rate = Math.max(1, path.served / seconds);
                pathMicros = baseLatencyMicros + path.deviceQueue / rate * 1e6;
            }
            VolumeStatsFlyweight record = statsWriter
                    .volume(i)
                    .volumeId(volume.volumeId)
                    .queueDepth((int) Math.ceil(path.backlog))
                    .throttleVersion(path.version);
            fill(record, IoDirection.READ, reads, volume.ioBytes, pathMicros, path.backlog > 0 ? held : 0);
            fill(record, IoDirection.WRITE, writes, volume.ioBytes, pathMicros * writeLatencyFactor, 0);
        }
        statsWriter.commit();
        frame.flip();
        return frame;
    }

    /** Counters for one direction, latencies exponential with mean {@code meanMicros}. */
    private static void fill(
            VolumeStatsFlyweight record,
            IoDirection direction,
            long ops,
            int ioBytes,
            double meanMicros,
            long throttled) {
        record.ops(direction, ops)
                .bytes(direction, ops * ioBytes)
                .throttledOps(direction, throttled)
                .latencySumMicros(direction, Math.round(ops * meanMicros));
        long below = 0;
        for (int b = 0; b < LatencyBuckets.COUNT; b++) {
            long upTo = b == LatencyBuckets.COUNT - 1
                    ? ops
                    : Math.round(ops * (1 - Math.exp(-LatencyBuckets.lowerBoundMicros(b + 1) / meanMicros)));
            record.latencyBucket(direction, b, upTo - below);
            below = upTo;
        }
    }
}
