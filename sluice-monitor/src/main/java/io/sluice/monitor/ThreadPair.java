package io.sluice.monitor;

import io.sluice.common.LoopWatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One inbound and one outbound thread, serving a share of the gateways, and the caller index through which the inbound
 * thread posts their reports to the SLA services (docs/design.md, "The monitor's thread pairs").
 */
final class ThreadPair implements AutoCloseable {
    private final int index;
    private final InboundThread inbound;
    private final OutboundThread outbound;
    private final LoopWatch inboundWatch;
    private final LoopWatch outboundWatch;
    private final Thread inboundThread;
    private final Thread outboundThread;
    private final AtomicInteger sessions = new AtomicInteger();
    /** The sum of its sessions' costs at the conductor's last measure (PairBalancer); read by the acceptor. */
    private volatile double load;
    /**
     * Sessions placed on it since that measure, whose cost the load does not hold yet; under the pairs' choice lock
     * ({@link ThreadPairs#choiceLock()}).
     */
    int placedSinceMeasure;

    ThreadPair(int index, MonitorDaemon daemon, int maxSessions) {
        this.index = index;
        this.inboundWatch = new LoopWatch("monitor-in-" + index);
        this.outboundWatch = new LoopWatch("monitor-out-" + index);
        this.inbound = new InboundThread(daemon, inboundWatch, daemon.services().pairCaller(index), maxSessions);
        this.outbound = new OutboundThread(daemon, maxSessions, outboundWatch);
        this.inboundThread = inboundWatch.newThread(inbound);
        this.outboundThread = outboundWatch.newThread(outbound);
    }

    ThreadPair start() {
        inboundThread.start();
        outboundThread.start();
        return this;
    }

    int index() {
        return index;
    }

    InboundThread inbound() {
        return inbound;
    }

    OutboundThread outbound() {
        return outbound;
    }

    int sessionCount() {
        return sessions.get();
    }

    double load() {
        return load;
    }

    void load(double measured) {
        load = measured;
    }

    void added() {
        sessions.incrementAndGet();
    }

    void removed() {
        sessions.decrementAndGet();
    }

    /** What is wrong with either thread (dead, or not turning its loop for {@code stallNanos}), or null. */
    String problem(long nowNanos, long stallNanos) {
        String in = inboundWatch.problem(nowNanos, stallNanos);
        return in != null ? in : outboundWatch.problem(nowNanos, stallNanos);
    }

    @Override
    public void close() throws InterruptedException {
        inbound.stop();
        outbound.stop();
        inboundThread.join(2_000);
        outboundThread.join(2_000);
        inbound.closeSelector();
        outbound.closeSelector();
    }
}
