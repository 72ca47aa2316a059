package io.sluice.services.daemon;

import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ReplyView;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.services.control.ThrottleFrames;
import io.sluice.services.control.ThrottleParams;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The analyzer's parameter sets on their way to the monitor: one THROTTLE_SET call per gateway and slot-full of volumes
 * (a monitor slot holds {@link #setsPerCall} sets), queued while the monitor's mailbox is full and posted again at the
 * next step, followed until the monitor answers. A call the mailbox refuses for good, or that the monitor answers with
 * an error, was not delivered: counted, logged with its gateway and volumes, and handed to {@code notDelivered} so the
 * analyzer sends those volumes' parameters again rather than believe them in force.
 *
 * <p>A gateway's newer sets do not queue behind its older ones while the monitor has not yet taken the older call from
 * its mailbox: the posted call is rewritten in place ({@code modify}) with the union of both, a volume's newer set
 * replacing its older one, so the monitor forwards one THROTTLE_SET with the latest parameters instead of two, the
 * first already stale. Once the monitor has taken a call (or the union would not fit a slot) the newer sets go in a
 * call of their own.
 *
 * <p>A restarted services process inherits its predecessor's THROTTLE_SET calls still in the monitor's mailbox (same
 * caller index). Their replies are collected so the slots are freed, and counted ({@link #inheritedAcked},
 * {@link #inheritedFailed}); a failed one is not sent again from here, because its sets died with the predecessor and
 * are stale anyway: this process's analyzer starts with no parameters sent, so its first interval sends every volume's
 * set, versioned from the clock above anything the predecessor sent.
 *
 * <p>Not thread-safe: the services' loop thread does everything; the counters may be read from any thread.
 */
final class ThrottleOutbox {
    private static final System.Logger LOG = System.getLogger(ThrottleOutbox.class.getName());

    /** What the analyzer does with parameter sets that did not reach their gateway. */
    @FunctionalInterface
    interface Undelivered {
        void notDelivered(long gatewayId, int[] volumeIds);
    }

    /** One THROTTLE_SET call; {@code sets} and {@code frame} change when a posted call is rewritten. */
    private static final class Call {
        final long commandId;
        final long gatewayId;
        List<ThrottleParams> sets;
        byte[] frame;
        /** The mailbox handle once posted, for rewriting it while the monitor has not taken it. */
        long handle;

        Call(long commandId, long gatewayId, List<ThrottleParams> sets, byte[] frame) {
            this.commandId = commandId;
            this.gatewayId = gatewayId;
            this.sets = sets;
            this.frame = frame;
        }

        int[] volumeIds() {
            return sets.stream().mapToInt(ThrottleParams::volumeId).toArray();
        }
    }

    private final int setsPerCall;
    private final Undelivered undelivered;
    private final ThrottleFrames frames = new ThrottleFrames();
    private final ArrayDeque<Call> unsent = new ArrayDeque<>();
    private final Map<Long, Call> inFlight = new HashMap<>();
    /** Each gateway's newest posted call, which the monitor may not have taken yet. */
    private final Map<Long, Call> newestPosted = new HashMap<>();

    private long commandId;
    private final AtomicLong posted = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong merged = new AtomicLong();
    private final AtomicLong inheritedAcked = new AtomicLong();
    private final AtomicLong inheritedFailed = new AtomicLong();

    /**
     * @param slotCapacity the parameter bytes of one monitor mailbox slot
     * @param firstCommandId where command ids start; from the clock, so a restarted process does not reuse them
     */
    ThrottleOutbox(int slotCapacity, long firstCommandId, Undelivered undelivered) {
        this.setsPerCall = ThrottleSetDescriptor.maxVolumes(slotCapacity);
        if (setsPerCall < 1) {
            throw new IllegalArgumentException("a monitor slot of " + slotCapacity + " bytes holds no parameter set");
        }
        this.commandId = firstCommandId;
        this.undelivered = undelivered;
    }

    int setsPerCall() {
        return setsPerCall;
    }

    /** Queues a gateway's changed sets as as many calls as their number needs. */
    void enqueue(long gatewayId, List<ThrottleParams> sets) {
        for (int from = 0; from < sets.size(); from += setsPerCall) {
            List<ThrottleParams> part = List.copyOf(sets.subList(from, Math.min(sets.size(), from + setsPerCall)));
            long id = ++commandId;
            unsent.add(new Call(id, gatewayId, part, frame(gatewayId, id, part)));
        }
    }

    private byte[] frame(long gatewayId, long id, List<ThrottleParams> sets) {
        ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(sets.size()));
        frames.write(frame, 1, gatewayId, id, sets);
        return frame.array();
    }

    /** Posts what waits, oldest first, until the monitor's mailbox is full. */
    int flush(MailboxCaller monitor) {
        int work = 0;
        Call call;
        while ((call = unsent.peek()) != null) {
            if (mergeIntoPosted(monitor, call)) {
                unsent.poll();
                merged.incrementAndGet();
                work++;
                continue;
            }
            long handle = monitor.call(
                    MailboxOpcodes.MONITOR_THROTTLE_SET,
                    SlotFlags.IDEMPOTENT,
                    call.commandId,
                    ParamWriter.of(call.frame));
            if (handle > 0) {
                unsent.poll();
                call.handle = handle;
                inFlight.put(call.commandId, call);
                newestPosted.put(call.gatewayId, call);
                posted.incrementAndGet();
                work++;
            } else if (handle == MailboxStatus.TOO_LARGE || handle == MailboxStatus.BAD_REQUEST) {
                unsent.poll();
                fail(call, "refused by the mailbox: " + MailboxStatus.name((int) handle));
                work++;
            } else {
                // Full, or a lock or slot that will come right: the same call goes at the next step.
                return work;
            }
        }
        return work;
    }

    /**
     * Rewrites the gateway's newest posted call with its sets and {@code newer}'s, if the monitor has not taken it yet
     * and the union fits a slot; true when {@code newer} is thereby delivered. The posted call keeps its command id, so
     * its reply still finds it.
     */
    private boolean mergeIntoPosted(MailboxCaller monitor, Call newer) {
        Call old = newestPosted.get(newer.gatewayId);
        if (old == null) {
            return false;
        }
        Map<Integer, ThrottleParams> union = new LinkedHashMap<>();
        for (ThrottleParams set : old.sets) {
            union.put(set.volumeId(), set);
        }
        for (ThrottleParams set : newer.sets) {
            union.put(set.volumeId(), set);
        }
        if (union.size() > setsPerCall) {
            return false;
        }
        List<ThrottleParams> sets = List.copyOf(union.values());
        byte[] frame = frame(old.gatewayId, old.commandId, sets);
        if (monitor.modify(old.handle, MailboxOpcodes.MONITOR_THROTTLE_SET, ParamWriter.of(frame))
                != MailboxStatus.OK) {
            // Taken by the monitor already (or gone): the newer sets travel on their own.
            newestPosted.remove(old.gatewayId, old);
            return false;
        }
        old.sets = sets;
        old.frame = frame;
        return true;
    }

    /** A reply from the monitor's mailbox. */
    void onReply(ReplyView reply) {
        if (reply.inherited()) {
            boolean delivered =
                    reply.status() == MailboxOpcodes.THROTTLE_ACKED || reply.status() == MailboxOpcodes.THROTTLE_STORED;
            (delivered ? inheritedAcked : inheritedFailed).incrementAndGet();
            return;
        }
        Call call = inFlight.remove(reply.correlationId());
        if (call != null) {
            newestPosted.remove(call.gatewayId, call);
        }
        switch (reply.status()) {
            case MailboxOpcodes.THROTTLE_ACKED -> acked.incrementAndGet();
            case MailboxOpcodes.THROTTLE_STORED -> stored.incrementAndGet();
            default -> {
                if (call != null) {
                    fail(call, "answered " + MailboxStatus.name(reply.status()));
                }
            }
        }
    }

    private void fail(Call call, String why) {
        failed.incrementAndGet();
        LOG.log(
                System.Logger.Level.WARNING,
                "throttle set {0} for gateway {1} (volumes {2}) not delivered: {3}",
                call.commandId,
                call.gatewayId,
                Arrays.toString(call.volumeIds()),
                why);
        undelivered.notDelivered(call.gatewayId, call.volumeIds());
    }

    long posted() {
        return posted.get();
    }

    /** Calls whose sets were merged into the gateway's call still waiting in the monitor's mailbox. */
    long merged() {
        return merged.get();
    }

    long acked() {
        return acked.get();
    }

    long stored() {
        return stored.get();
    }

    /** Calls refused by the mailbox or answered with an error: their volumes are sent again. */
    long failed() {
        return failed.get();
    }

    /** A predecessor's calls the monitor answered (acked or stored for the gateway) after it died. */
    long inheritedAcked() {
        return inheritedAcked.get();
    }

    /** A predecessor's calls answered with an error after it died; the analyzer's first interval supersedes them. */
    long inheritedFailed() {
        return inheritedFailed.get();
    }

    /** Calls waiting for room in the monitor's mailbox. */
    int waiting() {
        return unsent.size();
    }

    /** Calls posted and not answered yet. */
    int inFlight() {
        return inFlight.size();
    }
}
