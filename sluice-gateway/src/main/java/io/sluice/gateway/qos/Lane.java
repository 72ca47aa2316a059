package io.sluice.gateway.qos;

import static io.sluice.gateway.nbd.NbdDescriptor.CMD_FLUSH;

import io.sluice.gateway.export.IoRequest;
import io.sluice.gateway.stats.ExportStats;
import java.util.concurrent.locks.Condition;

/** One export's queue, throttle and tags; guarded by the scheduler's lock. */
final class Lane {
    /** No throttled wait under way. */
    private static final long NEVER = Long.MAX_VALUE;

    final ExportStats stats;
    final IoRequest[] ring;
    final Condition notFull;
    final Throttle throttle;
    /** Volatile only for readers outside the lock; replaced whole, never mutated. */
    volatile QosSetting setting;

    int head;
    int count;
    double reservationTag;
    double shareTag;
    long throttledSince = NEVER;
    int throttledType;

    Lane(ExportStats stats, int capacity, Condition notFull, QosSetting setting, Throttle throttle) {
        this.stats = stats;
        this.ring = new IoRequest[capacity];
        this.notFull = notFull;
        this.setting = setting;
        this.throttle = throttle;
    }

    IoRequest head() {
        return ring[head];
    }

    void add(IoRequest request) {
        ring[(head + count) % ring.length] = request;
        count++;
    }

    IoRequest poll() {
        IoRequest request = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        return request;
    }

    /** How long the lane's own limits hold its head back; tracks the time spent throttled. */
    long limitWait(long now) {
        IoRequest head = head();
        if (head.type() == CMD_FLUSH) {
            endThrottled(now);
            return 0;
        }
        QosParameters p = setting.parameters();
        throttle.leak(p, now);
        long wait = throttle.waitNanos(p, CommandCost.write(head.type()));
        if (wait == 0) {
            endThrottled(now);
        } else if (throttledSince == NEVER) {
            throttledSince = now;
            throttledType = head.type();
        }
        return wait;
    }

    void endThrottled(long now) {
        if (throttledSince != NEVER) {
            stats.throttled(throttledType, now - throttledSince);
            throttledSince = NEVER;
        }
    }
}
