package io.sluice.gateway.qos;

import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.export.RequestScheduler;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * QoS for the exports that share one backend: each export (a lane) has a bounded queue, its own QEMU-style
 * {@link Throttle} (limits and bursts, shared by all its connections), and mClock tags (Gulati et al., OSDI 2010) that
 * divide the backend among the lanes:
 *
 * <ol>
 *   <li>a request held for its lane's {@code maxDelay} goes first, whatever the limits (so no request waits longer than
 *       that, far below the client's timeout);
 *   <li>nothing else goes while the backend's modelled capacity ({@link BackendLimits#iops()}) is used up, and no lane
 *       goes while its own limits hold it back;
 *   <li>of the rest, a lane behind its reservation goes first (smallest reservation tag: tags advance by
 *       cost/reservation seconds per request, so a backlogged lane earns exactly its reservation rate), otherwise the
 *       lane with the smallest share tag (tags advance by cost/weight; start-time fair queueing, so backlogged lanes
 *       share in proportion to weight).
 * </ol>
 *
 * As in mClock, a request served by weight does not advance the reservation tag, so the reservation is a floor on top
 * of which the weights apply. Costs are normalized I/Os ({@link CommandCost}: READ, WRITE and CACHE by their size,
 * TRIM, WRITE_ZEROES and BLOCK_STATUS one each); FLUSH costs nothing and is never throttled.
 *
 * <p>Tags are kept per lane for its head request only, so nothing is allocated per request. The dispatcher threads
 * decide themselves, under one lock (leader/followers): a thread that finds nothing ready sleeps until the earliest
 * time something becomes ready, but only one thread sleeps with a timer for a given deadline; the rest wait to be
 * signalled by an admission, by a thread that just took a request while more are queued, by a request leaving the
 * backend while every slot was taken, or by a parameter change. A request admitted while nothing else in the group
 * waits is decided at once on the admitting thread, by the same rules, and runs there if it may go now (see
 * {@link io.sluice.gateway.export.RequestScheduler}).
 */
public final class QosScheduler implements RequestScheduler {
    private static final long NEVER = Long.MAX_VALUE;
    private static final double NANOS_PER_SECOND = 1e9;
    private static final int RESERVATION = 1;
    private static final int WEIGHT = 2;
    private static final int OVERDUE = 3;

    private final BucketLimit capacityLimit;
    private final LeakyBucket capacity = new LeakyBucket();
    private final int queueCapacity;
    private final NanoClock clock;
    /** Tags are nanoseconds since this instant, so doubles keep sub-nanosecond precision. */
    private final long origin;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();

    private Lane[] lanesById = new Lane[0];
    private Lane[] lanes = new Lane[0];
    private long capacityLeakedNanos;
    private int queued;
    /** Requests at the backend (taken by next() or run by admit()); at most {@link #slots}. */
    private int inFlight;
    /** The backend group's queue depth; unbounded until the group sets it. */
    private int slots = Integer.MAX_VALUE;

    private boolean closed;
    /** The deadline some dispatcher sleeps until; others with a later one need not set a timer. */
    private long timerDeadline = NEVER;
    /** Share tag of the last request served by weight: where a lane that was idle starts again. */
    private double virtualTime;
    /** Results of {@link #choose}: when to look again, and why the chosen lane goes. */
    private long wakeAt;

    private int phase;
    /** How many lanes {@link #choose} found free to go: above one, the weights decided. */
    private int readyLanes;

    /**
     * @param capacity the backend's modelled capacity (its queue depth is the dispatcher count)
     * @param queueCapacity requests each export may have waiting before its clients feel back-pressure
     */
    public QosScheduler(BackendLimits capacity, int queueCapacity, NanoClock clock) {
        this.capacityLimit = BucketLimit.of(capacity.iops());
        this.queueCapacity = queueCapacity;
        this.clock = clock;
        this.origin = clock.nanoTime();
        this.capacityLeakedNanos = origin;
    }

    /** Adds an export before any request flows; its first parameters carry version 0. */
    public void register(Export export, QosParameters parameters) {
        lock.lock();
        try {
            Lane lane = new Lane(
                    export.stats(),
                    queueCapacity,
                    lock.newCondition(),
                    new QosSetting(0, parameters),
                    new Throttle(clock.nanoTime()));
            if (export.id() >= lanesById.length) {
                lanesById = Arrays.copyOf(lanesById, export.id() + 1);
            }
            if (lanesById[export.id()] != null) {
                throw new IllegalArgumentException("export " + export.name() + " registered twice");
            }
            lanesById[export.id()] = lane;
            lanes = Arrays.copyOf(lanes, lanes.length + 1);
            lanes[lanes.length - 1] = lane;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts new parameters in force for an export, atomically, without disturbing its connections; tags carry over,
     * bucket levels are trimmed to the new limits ({@link LeakyBucket#clamp}). Idempotent by version: see
     * {@link QosStatus}.
     */
    public int apply(int exportId, long version, QosParameters parameters) {
        lock.lock();
        try {
            Lane lane = lane(exportId);
            if (lane == null) {
                return QosStatus.NO_SUCH_VOLUME;
            }
            QosSetting current = lane.setting;
            if (version == current.version()) {
                return QosStatus.UNCHANGED;
            }
            if (version < current.version()) {
                return QosStatus.STALE;
            }
            // Settle the old limits up to now, so the new ones start from this instant.
            lane.throttle.leak(current.parameters(), clock.nanoTime());
            lane.throttle.clamp(parameters);
            lane.setting = new QosSetting(version, parameters);
            work.signalAll();
            return QosStatus.APPLIED;
        } finally {
            lock.unlock();
        }
    }

    /** The parameters in force for an export, or null if it is not scheduled here. */
    public QosSetting setting(int exportId) {
        lock.lock();
        try {
            Lane lane = lane(exportId);
            return lane == null ? null : lane.setting;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void backendSlots(int slots) {
        lock.lock();
        try {
            this.slots = slots;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int admit(IoRequest request, boolean mayRun) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Lane lane = lanesById[request.export().id()];
            while (lane.count == lane.ring.length && !closed) {
                lane.notFull.await();
            }
            if (closed) {
                return CLOSED;
            }
            long now = clock.nanoTime();
            request.admittedNanos(now);
            if (lane.count == 0) {
                // A lane that was idle earns no credit for the idle time.
                lane.reservationTag = Math.max(lane.reservationTag, now - origin);
                lane.shareTag = Math.max(lane.shareTag, virtualTime);
            }
            boolean alone = queued == 0;
            lane.add(request);
            queued++;
            lane.stats.admitted(request.type());
            // Alone in the group, the request is what a dispatcher would take next: the same decision
            // (limits, capacity, tags), made here, saves the hand-off when it may go now.
            if (mayRun && alone && inFlight < slots && takeReady(now) != null) {
                inFlight++;
                return RUN;
            }
            work.signal();
            return QUEUED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public IoRequest next() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                long now = clock.nanoTime();
                IoRequest request = inFlight < slots ? takeReady(now) : null;
                if (request != null) {
                    inFlight++;
                    if (queued > 0 && inFlight < slots) {
                        // Let an idle dispatcher decide on the next one (or arm the timer for it).
                        work.signal();
                    }
                    return request;
                }
                if (closed && queued == 0) {
                    return null;
                }
                if (inFlight >= slots) {
                    // Every slot is taken: finished() signals when one is free.
                    work.await();
                } else {
                    await(now);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void finished() {
        lock.lock();
        try {
            inFlight--;
            if (queued > 0) {
                work.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The request that may go to the backend now, or null; never waits. Takes no backend slot (tests, benchmarks). */
    public IoRequest tryNext() {
        lock.lock();
        try {
            return takeReady(clock.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    /** Stops admitting; what is queued is handed out at once, limits no longer apply. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
            for (Lane lane : lanes) {
                lane.notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void await(long now) throws InterruptedException {
        if (wakeAt == NEVER || wakeAt - timerDeadline >= 0) {
            work.await();
            return;
        }
        long deadline = wakeAt;
        timerDeadline = deadline;
        try {
            work.awaitNanos(deadline - now);
        } finally {
            if (timerDeadline == deadline) {
                timerDeadline = NEVER;
            }
        }
    }

    private IoRequest takeReady(long now) {
        Lane lane = choose(now);
        return lane == null ? null : dispatch(lane, now);
    }

    /** Picks the lane whose head goes now (setting {@link #phase}), or null and sets {@link #wakeAt}. */
    private Lane choose(long now) {
        wakeAt = NEVER;
        readyLanes = 0;
        if (queued == 0) {
            return null;
        }
        capacity.leak(capacityLimit, now - capacityLeakedNanos);
        capacityLeakedNanos = now;
        double relativeNow = now - origin;
        Lane overdue = null;
        Lane reserved = null;
        Lane weighted = null;
        for (Lane lane : lanes) {
            if (lane.count == 0) {
                continue;
            }
            IoRequest head = lane.head();
            QosParameters p = lane.setting.parameters();
            long dueAt = head.admittedNanos() + p.maxDelayNanos();
            if (closed || dueAt - now <= 0) {
                if (overdue == null || head.admittedNanos() - overdue.head().admittedNanos() < 0) {
                    overdue = lane;
                }
                continue;
            }
            wakeAt = Math.min(wakeAt, dueAt);
            long wait = lane.limitWait(now);
            if (wait > 0) {
                wakeAt = Math.min(wakeAt, now + wait);
                continue;
            }
            readyLanes++;
            if (p.reservationIops() > 0 && lane.reservationTag <= relativeNow) {
                if (reserved == null || lane.reservationTag < reserved.reservationTag) {
                    reserved = lane;
                }
            } else if (weighted == null || lane.shareTag < weighted.shareTag) {
                weighted = lane;
            }
        }
        if (overdue != null) {
            phase = OVERDUE;
            return overdue;
        }
        if (reserved == null && weighted == null) {
            return null;
        }
        long capacityWait = capacity.waitNanos(capacityLimit);
        if (capacityWait > 0) {
            wakeAt = Math.min(wakeAt, now + capacityWait);
            return null;
        }
        phase = reserved != null ? RESERVATION : WEIGHT;
        return reserved != null ? reserved : weighted;
    }

    private IoRequest dispatch(Lane lane, long now) {
        IoRequest request = lane.poll();
        queued--;
        lane.notFull.signal();
        lane.endThrottled(now);
        QosParameters p = lane.setting.parameters();
        int type = request.type();
        long bytes = CommandCost.bytes(type, request.length());
        double units = CommandCost.units(p, type, request.length());
        lane.throttle.leak(p, now);
        lane.throttle.account(p, CommandCost.write(type), bytes, units);
        capacity.pour(capacityLimit, units);
        if (phase == RESERVATION) {
            lane.reservationTag += units * NANOS_PER_SECOND / p.reservationIops();
            if (readyLanes > 1) {
                lane.stats.wonByReservation();
            }
        } else if (phase == WEIGHT) {
            virtualTime = Math.max(virtualTime, lane.shareTag);
            if (readyLanes > 1) {
                lane.stats.wonByWeight();
            }
        }
        lane.shareTag += units / p.weight();
        if (lane.count > 0) {
            // mClock's tag of the next request: never earlier than its arrival.
            lane.reservationTag = Math.max(lane.reservationTag, lane.head().admittedNanos() - origin);
        }
        return request;
    }

    private Lane lane(int exportId) {
        return exportId >= 0 && exportId < lanesById.length ? lanesById[exportId] : null;
    }
}
