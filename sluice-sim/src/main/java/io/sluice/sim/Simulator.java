package io.sluice.sim;

import io.sluice.common.EpochClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Thousands of simulated gateways in one process: {@link SimContext#threads()} platform threads, each running one
 * {@link SimLoop} (a selector and its share of the gateways), never a thread per gateway. See CONCURRENCY.md for what
 * each thread owns.
 *
 * <pre>{@code
 * try (Simulator sim = Simulator.start(SimContext.builder(monitorAddress, secret).gateways(1000).build())) {
 *     sim.awaitCondition(s -> s.total().inSession() == 1000, Duration.ofSeconds(30));
 *     ... drive the monitor ...
 *     SimSnapshot seen = sim.snapshot();
 * }
 * }</pre>
 *
 * The simulator stops by itself after its duration (if it has one), or when closed; either way every connection is
 * closed before {@link #awaitTermination} returns true.
 */
public final class Simulator implements AutoCloseable {
    private static final long JOIN_MILLIS = 5_000;
    private static final long CONDITION_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final SimContext context;
    private final FaultMode[] faults;
    private final int[] gatewaysByFault = new int[FaultMode.values().length];
    private final SimLoop[] loops;
    private final Thread[] threads;
    private final CountDownLatch stopped;
    private volatile Throwable failure;

    private Simulator(SimContext context, EpochClock clock) throws IOException {
        this.context = context;
        this.faults = context.faults().assign(context.gateways(), context.seed());
        for (FaultMode fault : faults) {
            gatewaysByFault[fault.ordinal()]++;
        }
        if (context.tls() != null) {
            // Every certificate before the first connect, so no event loop ever waits on the authority's disk.
            context.tls().issue(context.firstGatewayId(), context.gateways());
        }
        this.loops = new SimLoop[context.threads()];
        this.threads = new Thread[loops.length];
        this.stopped = new CountDownLatch(loops.length);
        long start = clock.epochMillis();
        try {
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new SimLoop(context, clock, i, faults, start);
            }
        } catch (IOException | RuntimeException e) {
            for (SimLoop loop : loops) {
                if (loop != null) {
                    loop.finish();
                }
            }
            throw e;
        }
        for (int i = 0; i < loops.length; i++) {
            SimLoop loop = loops[i];
            threads[i] =
                    Thread.ofPlatform().name("sluice-sim-" + i).daemon(true).unstarted(() -> run(loop));
        }
    }

    /** Builds the gateways and starts their threads on the system clock. */
    public static Simulator start(SimContext context) throws IOException {
        return start(context, EpochClock.system());
    }

    /** As {@link #start(SimContext)}, with the clock every timer reads. */
    public static Simulator start(SimContext context, EpochClock clock) throws IOException {
        Simulator simulator = new Simulator(context, clock);
        for (Thread thread : simulator.threads) {
            thread.start();
        }
        return simulator;
    }

    private void run(SimLoop loop) {
        try {
            while (!loop.isFinished()) {
                if (loop.doWork() == 0) {
                    loop.idle();
                }
            }
        } catch (Throwable t) {
            failure = t;
            loop.finish();
        } finally {
            stopped.countDown();
        }
    }

    public SimContext context() {
        return context;
    }

    /** The fault of gateway {@code index} (0-based), as {@link FaultPlan#assign} chose it. */
    public FaultMode faultOf(int index) {
        return faults[index];
    }

    /** The id of gateway {@code index} (0-based). */
    public long gatewayId(int index) {
        if (index < 0 || index >= faults.length) {
            throw new IndexOutOfBoundsException("gateway " + index + " of " + faults.length);
        }
        return context.firstGatewayId() + index;
    }

    /** What every loop has counted so far; any thread, any time, also after the simulator stopped. */
    public SimSnapshot snapshot() {
        long[] counts = new long[SimCounters.size()];
        for (SimLoop loop : loops) {
            loop.counters().addTo(counts);
        }
        return new SimSnapshot(counts, gatewaysByFault);
    }

    /**
     * The fencing epoch of the last throttle set each gateway acknowledged as current (not refused as stale), by
     * gateway index; -1 for a gateway that has acknowledged none. Any thread, any time.
     */
    public long[] ackedEpochs() {
        long[] epochs = new long[faults.length];
        for (int i = 0; i < loops.length; i++) {
            SimulatedGateway[] gateways = loops[i].gateways();
            for (int n = 0; n < gateways.length; n++) {
                epochs[n * loops.length + i] = gateways[n].fenceWatch().ackedEpoch();
            }
        }
        return epochs;
    }

    /** Throttle sets any gateway acknowledged as current although older than one it acknowledged before: 0. */
    public long olderEpochAcks() {
        long sum = 0;
        for (SimLoop loop : loops) {
            for (SimulatedGateway gateway : loop.gateways()) {
                sum += gateway.fenceWatch().olderEpochAcked();
            }
        }
        return sum;
    }

    /**
     * Waits until {@code condition} holds for a fresh snapshot, or {@code timeout} passes.
     *
     * @return whether it held
     */
    public boolean awaitCondition(Predicate<SimSnapshot> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(snapshot())) {
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            LockSupport.parkNanos(CONDITION_POLL_NANOS);
        }
        return true;
    }

    /** Waits until every loop has stopped (its duration passed, or {@link #close}) and closed its connections. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public boolean isRunning() {
        return stopped.getCount() > 0;
    }

    /** The error that stopped a loop early, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Stops every loop, which closes every connection, and waits for the threads (5 s at most). */
    @Override
    public void close() {
        for (SimLoop loop : loops) {
            loop.requestStop();
        }
        try {
            stopped.await(JOIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
