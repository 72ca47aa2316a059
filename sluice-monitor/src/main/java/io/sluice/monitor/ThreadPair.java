package io.sluice.monitor;

/** One inbound and one outbound thread, serving a share of the gateways (seed 004). */
final class ThreadPair implements AutoCloseable {
    private final int index;
    private final InboundThread inbound;
    private final OutboundThread outbound;
    private final Thread inboundThread;
    private final Thread outboundThread;
    private final java.util.concurrent.atomic.AtomicInteger sessions = new java.util.concurrent.atomic.AtomicInteger();

    ThreadPair(int index, MonitorDaemon daemon, int maxSessions) {
        this.index = index;
        this.inbound = new InboundThread(daemon);
        this.outbound = new OutboundThread(daemon, maxSessions);
        this.inboundThread = Thread.ofPlatform().name("monitor-in-" + index).daemon(true).unstarted(inbound);
        this.outboundThread = Thread.ofPlatform().name("monitor-out-" + index).daemon(true).unstarted(outbound);
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

    void added() {
        sessions.incrementAndGet();
    }

    void removed() {
        sessions.decrementAndGet();
    }

    boolean isAlive() {
        return inboundThread.isAlive() && outboundThread.isAlive();
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
