package io.sluice.services.daemon;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.services.ComplianceJudge;
import io.sluice.services.Inventory;
import io.sluice.services.PerformanceAnalyzer;
import io.sluice.services.PolicyBook;
import io.sluice.services.ThrottleFrames;
import io.sluice.services.ThrottleParams;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SLA services process: takes the monitor's reports from its mailbox, runs the performance
 * analyzer once per poll interval and sends the changed throttle parameters to the monitor's mailbox.
 * One thread does it all, in a loop that sleeps on its mailbox's doorbell between reports and ticks,
 * because the analyzer is single-threaded by design.
 */
public final class ServicesDaemon implements AutoCloseable {
    private final Mailbox servicesMailbox;
    private final Mailbox monitorMailbox;
    private final MailboxCallee callee;
    private final MailboxCaller monitor;
    private final PerformanceAnalyzer analyzer;
    private final EpochClock clock;
    private final long intervalMillis;
    private final ThrottleFrames frames = new ThrottleFrames();
    private final StatsReader stats = new StatsReader();
    /** THROTTLE_SET frames the monitor's mailbox had no room for yet; sent first at the next step. */
    private final ArrayDeque<byte[]> unsent = new ArrayDeque<>();
    private final AtomicLong reports = new AtomicLong();
    private final AtomicLong throttlesPosted = new AtomicLong();
    private final AtomicLong throttlesAcked = new AtomicLong();
    private final AtomicLong throttlesStored = new AtomicLong();
    /** The IOPS limit last sent per volume and gateway: what the dashboard calls the throttle level. */
    private final java.util.Map<Integer, java.util.Map<Long, Long>> iopsLimits = new java.util.concurrent.ConcurrentHashMap<>();
    /** Latest {capacity, used} per volume, from its gateways' reports. */
    private final java.util.Map<Integer, long[]> space = new java.util.HashMap<>();
    private final io.sluice.services.CapacityForecaster forecaster = new io.sluice.services.CapacityForecaster(720, 60_000);
    private final java.util.Map<String, io.sluice.services.CapacityForecaster.Forecast> forecasts =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Inventory inventory;
    private long nextForecastAt;
    private final Thread thread;
    private long commandId;
    private volatile boolean running = true;

    public ServicesDaemon(Path servicesMailboxFile, Path monitorMailboxFile, ServicesConfig config, long intervalMillis,
                          EpochClock clock) {
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.servicesMailbox = Mailbox.openOrCreate(servicesMailboxFile, ServerMailboxes.SERVICES, clock);
        this.monitorMailbox = Mailbox.openOrCreate(monitorMailboxFile, ServerMailboxes.MONITOR, clock);
        Inventory inventory = new Inventory();
        config.placeInto(inventory);
        this.inventory = inventory;
        PerformanceAnalyzer[] self = new PerformanceAnalyzer[1];
        PolicyBook book = new PolicyBook(inventory, backend -> self[0].capacityIops(backend));
        this.analyzer = new PerformanceAnalyzer(inventory, book, intervalMillis, clock.epochMillis(), this::send,
                new ComplianceJudge());
        self[0] = analyzer;
        config.attachTo(book);
        this.monitor = MailboxCaller.attach(monitorMailbox, ServerMailboxes.CALLER_SERVICES);
        this.callee = MailboxCallee.attach(servicesMailbox);
        this.thread = Thread.ofPlatform().name("services-loop").start(this::loop);
    }

    private void loop() {
        while (running) {
            int work = callee.poll(this::onRequest, 256);
            callee.doHousekeeping();
            analyzer.doWork(clock.epochMillis());
            forecastCapacity(clock.epochMillis());
            flushUnsent();
            work += monitor.pollReplies(reply -> {
                if (reply.status() == MailboxOpcodes.THROTTLE_ACKED) {
                    throttlesAcked.incrementAndGet();
                } else if (reply.status() == MailboxOpcodes.THROTTLE_STORED) {
                    throttlesStored.incrementAndGet();
                }
            }, 256);
            monitor.heartbeat();
            if (work == 0) {
                callee.awaitRequests(TimeUnit.MILLISECONDS.toNanos(Math.min(intervalMillis / 4, 50)));
            }
        }
    }

    private void onRequest(MailboxCallee.Request request) {
        switch (request.opcode()) {
            case MailboxOpcodes.SERVICES_STATS_REPORT -> {
                ByteBuffer frame = request.params().asSlice(0, request.length()).asByteBuffer();
                analyzer.onStats(stats.wrap(frame, 0));
                for (int i = 0; i < stats.volumeCount(); i++) {
                    var volume = stats.volume(i);
                    space.put(volume.volumeId(), new long[] {volume.capacityBytes(), volume.usedBytes()});
                }
                reports.incrementAndGet();
                request.reply(MailboxStatus.OK, 0);
            }
            case MailboxOpcodes.SERVICES_GATEWAY_EVENT, MailboxOpcodes.SERVICES_GATEWAY_STATE ->
                    request.reply(MailboxStatus.OK, 0);
            default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
        }
    }

    /** Once per interval: each backend's space is the sum over the volumes placed on it. */
    private void forecastCapacity(long now) {
        if (now < nextForecastAt) {
            return;
        }
        nextForecastAt = now + intervalMillis;
        for (io.sluice.services.Backend backend : inventory.backends()) {
            long capacity = 0;
            long used = 0;
            for (io.sluice.services.VolumePlacement volume : inventory.volumesOn(backend.id())) {
                long[] s = space.get(volume.volumeId());
                if (s != null && s[0] > 0) {
                    capacity += s[0];
                    used += Math.max(0, s[1]);
                }
            }
            if (capacity > 0) {
                forecaster.observe(backend.id(), now, used, capacity);
                forecasts.put(backend.id(), forecaster.forecast(backend.id()));
            }
        }
    }

    /** A backend's capacity forecast (days until full), or null before its volumes have reported space. */
    public io.sluice.services.CapacityForecaster.Forecast forecast(String backendId) {
        return forecasts.get(backendId);
    }

    /** The analyzer's sink: a THROTTLE_SET frame per gateway, posted (idempotent: versioned) to the monitor. */
    private void send(long gatewayId, List<ThrottleParams> sets) {
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(sets.size()));
        frames.write(frame, 1, gatewayId, ++commandId, sets);
        for (ThrottleParams set : sets) {
            iopsLimits.computeIfAbsent(set.volumeId(), v -> new java.util.concurrent.ConcurrentHashMap<>())
                    .put(gatewayId, set.iopsLimit());
        }
        unsent.add(frame.array());
        flushUnsent();
    }

    private void flushUnsent() {
        byte[] frame;
        while ((frame = unsent.peek()) != null) {
            long handle = monitor.call(MailboxOpcodes.MONITOR_THROTTLE_SET, SlotFlags.IDEMPOTENT, ++commandId,
                    ParamWriter.of(frame));
            if (handle == MailboxStatus.MAILBOX_FULL) {
                return;
            }
            unsent.poll();
            if (handle > 0) {
                throttlesPosted.incrementAndGet();
            }
        }
    }

    /** The sum of the IOPS limits last sent to the gateways serving a volume (0 = none sent, or unlimited). */
    public long iopsLimit(int volumeId) {
        return iopsLimits.getOrDefault(volumeId, java.util.Map.of()).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Gateways that have been sent parameters for a volume. */
    public int gatewaysThrottled(int volumeId) {
        return iopsLimits.getOrDefault(volumeId, java.util.Map.of()).size();
    }

    public long reports() {
        return reports.get();
    }

    public long throttlesPosted() {
        return throttlesPosted.get();
    }

    public long throttlesAcked() {
        return throttlesAcked.get();
    }

    public long throttlesStored() {
        return throttlesStored.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        callee.close();
        monitor.close();
        servicesMailbox.close();
        monitorMailbox.close();
    }
}
