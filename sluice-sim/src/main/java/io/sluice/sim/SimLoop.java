package io.sluice.sim;

import io.sluice.common.EpochClock;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.SessionCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One selector and the gateways on it, driven by {@link #doWork()}: take what the sockets have ready, then fire the
 * gateways whose timers are due, all against the injected clock. {@link Simulator} runs each loop on its own thread
 * ({@code doWork}, and {@link #idle} when there was nothing to do); a test may instead call {@code doWork} itself with
 * a manual clock and so step through timeouts, backoffs and late answers without sleeping.
 *
 * <p>Timers are one deadline per gateway, scanned when the earliest is due, at most once per millisecond of the clock:
 * a scan of ten thousand gateways is some microseconds, so even a scan every millisecond costs about one per cent of a
 * core, and a timer fires in the millisecond it is due. The session codec here (readers and writers) is shared by the
 * loop's gateways: its parts are flyweights, and only this loop's thread uses them.
 */
final class SimLoop {
    /** The longest {@link #idle} sleeps, so a stop request or a clock that moved is noticed soon. */
    static final long MAX_IDLE_MILLIS = 100;

    final SessionCodec codec = new SessionCodec();

    private final SimContext context;
    private final EpochClock clock;
    private final Selector selector;
    private final SimCounters counters = new SimCounters();
    private final SimulatedGateway[] gateways;
    private final long stopAtMillis;
    private final Consumer<SelectionKey> onReady = this::onReady;
    private long nextTimerMillis;
    /** This loop's share of {@link SimContext#connectsInFlight()}, and how many of those places are taken. */
    private final int connectPlaces;

    private int connectsInFlight;
    /** Gateways whose time to connect came while every place was taken: each gets the next place given back. */
    private final ArrayDeque<SimulatedGateway> awaitingConnect = new ArrayDeque<>();

    private volatile boolean stopRequested;
    private volatile boolean finished;

    /**
     * Builds loop {@code loopIndex}'s gateways: those with {@code index % threads == loopIndex}. Gateway {@code i}
     * first connects at {@code startMillis + rampUp * i / gateways}.
     */
    SimLoop(SimContext context, EpochClock clock, int loopIndex, FaultMode[] faults, long startMillis)
            throws IOException {
        this.context = context;
        this.clock = clock;
        this.selector = Selector.open();
        this.connectPlaces = Math.max(1, context.connectsInFlight() / context.threads());
        this.stopAtMillis = context.durationMillis() == 0 ? Long.MAX_VALUE : startMillis + context.durationMillis();
        int total = context.gateways();
        int threads = context.threads();
        this.gateways = new SimulatedGateway[(total - loopIndex + threads - 1) / threads];
        byte[] secret = context.deploymentSecret();
        for (int n = 0; n < gateways.length; n++) {
            int index = loopIndex + n * threads;
            long id = context.firstGatewayId() + index;
            SyntheticVolume[] volumes = new SyntheticVolume[context.volumesOf(index)];
            for (int v = 0; v < volumes.length; v++) {
                volumes[v] = new SyntheticVolume(
                        context.volumeId(id, v),
                        "vol-" + (v + 1),
                        context.volumes(),
                        context.seed() * 31 + id * 4099 + v);
            }
            byte[] key = GatewayKeys.derive(secret, id);
            if (faults[index] == FaultMode.WRONG_KEY) {
                key[0] ^= 0x5A;
            }
            long firstConnect = startMillis + context.timings().rampUpMillis() * index / total;
            gateways[n] = new SimulatedGateway(
                    this, index, id, faults[index], key, context.enrollmentToken(id), volumes, firstConnect);
        }
        this.nextTimerMillis = startMillis;
    }

    /**
     * One round: ready sockets, then due timers; after the simulator's duration (or {@link #requestStop}), closes every
     * connection and finishes.
     *
     * @return how much was done, 0 when there was nothing (the caller may then {@link #idle})
     */
    int doWork() {
        if (finished) {
            return 0;
        }
        long now = clock.epochMillis();
        if (stopRequested || now >= stopAtMillis) {
            finish();
            return 1;
        }
        int work;
        try {
            work = selector.selectNow(onReady);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (now >= nextTimerMillis) {
            work += runTimers(now);
        }
        return work;
    }

    /** Waits for a socket to be ready or the next timer to come, whichever is first, and handles the sockets. */
    void idle() {
        long now = clock.epochMillis();
        long wait = Math.min(Math.min(nextTimerMillis, stopAtMillis) - now, MAX_IDLE_MILLIS);
        try {
            if (wait > 0) {
                selector.select(onReady, wait);
            } else {
                selector.selectNow(onReady);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks the loop to close its connections and finish on its next {@link #doWork}; any thread. */
    void requestStop() {
        stopRequested = true;
        selector.wakeup();
    }

    boolean isFinished() {
        return finished;
    }

    /** Closes every connection and the selector; on the loop's thread (or after it has gone). */
    void finish() {
        if (finished) {
            return;
        }
        for (SimulatedGateway gateway : gateways) {
            gateway.stop();
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // Every channel is closed already; a selector that fails to close holds nothing more.
        }
        finished = true;
    }

    SimContext context() {
        return context;
    }

    Selector selector() {
        return selector;
    }

    SimCounters counters() {
        return counters;
    }

    SimulatedGateway[] gateways() {
        return gateways;
    }

    /** A place for a connect in flight, or false: then {@code gateway} waits in line and is admitted in turn. */
    boolean takeConnectPlace(SimulatedGateway gateway) {
        if (connectsInFlight < connectPlaces) {
            connectsInFlight++;
            return true;
        }
        awaitingConnect.add(gateway);
        return false;
    }

    /**
     * A connect in flight ended: its place goes to the first gateway in line (which connects at the next scan), else is
     * free.
     */
    void giveBackConnectPlace() {
        // A loop, not a hand-on from gateway to gateway: when the simulator stops, thousands in line may
        // have stopped already, and passing over each by a call of its own overflowed the stack.
        SimulatedGateway next;
        while ((next = awaitingConnect.poll()) != null) {
            if (next.admitConnect()) {
                return;
            }
        }
        connectsInFlight--;
    }

    /** Connect places taken now: for tests. */
    int connectsInFlight() {
        return connectsInFlight;
    }

    /** A gateway's deadline moved: scan no later than {@code deadlineMillis}. */
    void schedule(long deadlineMillis) {
        if (deadlineMillis < nextTimerMillis) {
            nextTimerMillis = deadlineMillis;
        }
    }

    private void onReady(SelectionKey key) {
        ((SimulatedGateway) key.attachment()).onReady(key, clock.epochMillis());
    }

    private int runTimers(long now) {
        int fired = 0;
        long next = Long.MAX_VALUE;
        // A gateway scanned already may be given an earlier deadline by a later one (a connect place handed over):
        // schedule() records it here.
        nextTimerMillis = Long.MAX_VALUE;
        for (SimulatedGateway gateway : gateways) {
            if (gateway.deadline() <= now) {
                gateway.onTimer(now);
                fired++;
            }
            next = Math.min(next, gateway.deadline());
        }
        // A gateway whose timer could not act (its output is full) keeps a due deadline: look again next millisecond.
        nextTimerMillis = Math.max(Math.min(next, nextTimerMillis), now + 1);
        return fired;
    }
}
