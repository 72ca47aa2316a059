package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The callee's side of a mailbox: taking a call, and step two, completing it (docs/design.md, "The mailbox's two-step
 * call"). {@link #poll} finds posted calls through the request bitmap (never by scanning slots), takes each under its
 * slot lock and hands it to a {@link RequestHandler}; the handler's reply writes the result into the same slot and
 * rings the caller. A handler may also {@link Request#defer() defer} and {@link #complete} later.
 *
 * <p>Attaching runs the recovery sweep (see {@link MailboxRecovery}): a restarted callee serves what was posted while
 * it was down, and what its dead predecessor had taken is redelivered or abandoned. The sweep runs again every
 * {@link #SWEEP_INTERVAL_MS} from {@link #doHousekeeping}.
 *
 * <p>{@link #poll}, {@link #awaitRequests} and {@link #doHousekeeping} belong to one thread per instance;
 * {@link #complete} of a deferred call may come from any thread. Several instances (in one or several processes) may
 * serve one mailbox.
 */
public final class MailboxCallee implements AutoCloseable {
    static final long SWEEP_INTERVAL_MS = 1_000;
    static final long HEARTBEAT_INTERVAL_MS = 100;

    private final Mailbox mailbox;
    private final SharedMemory memory;
    private final int calleeIndex;
    private final long entry;
    private final Request request;
    private final Doorbell.Waiter requestWaiter;
    private final BitClaimer requests;
    private long lastHeartbeat;
    private long lastSweep;
    /** Completions may come from any thread (deferred calls), so the count is atomic. */
    private final AtomicLong served = new AtomicLong();

    private long handlerErrorsAfterReply;

    private MailboxCallee(Mailbox mailbox, int calleeIndex) {
        this.mailbox = mailbox;
        this.memory = mailbox.memory();
        this.calleeIndex = calleeIndex;
        this.entry = mailbox.calleeEntryOffset(calleeIndex);
        this.request = new Request(this);
        this.requestWaiter = mailbox.requestDoorbell().new Waiter();
        this.requests = new BitClaimer(
                mailbox,
                mailbox.requestBitmapOffset(),
                calleeIndex % mailbox.bitmaps().words());
        this.lastSweep = mailbox.clock().epochMillis();
    }

    /** Registers this process as a callee (taking over a dead one's entry) and recovers the mailbox. */
    public static MailboxCallee attach(Mailbox mailbox) {
        mailbox.checkWritable();
        int index = MailboxRecovery.claimAnyEntry(mailbox);
        long entry = mailbox.calleeEntryOffset(index);
        long now = mailbox.clock().epochMillis();
        SharedMemory memory = mailbox.memory();
        memory.putLongVolatile(entry + ENTRY_ATTACHED_AT_OFFSET, now);
        memory.putLongVolatile(entry + ENTRY_HEARTBEAT_OFFSET, now);
        memory.putLongVolatile(entry + CALLEE_SERVED_OFFSET, 0);
        mailbox.incrementEpoch();
        MailboxRecovery.sweep(mailbox);
        return new MailboxCallee(mailbox, index);
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    public int calleeIndex() {
        return calleeIndex;
    }

    /** Takes and handles up to {@code limit} posted calls; returns how many it took. */
    public int poll(RequestHandler handler, int limit) {
        int taken = 0;
        while (taken < limit) {
            int slot = requests.next();
            if (slot < 0) {
                break;
            }
            if (take(slot)) {
                taken++;
                dispatch(handler);
            }
        }
        return taken;
    }

    private boolean take(int slot) {
        if (mailbox.locks().lock(slot) != MailboxStatus.OK) {
            mailbox.bitmaps().set(mailbox.requestBitmapOffset(), slot);
            return false;
        }
        long base = mailbox.slotOffset(slot);
        try {
            if (memory.getIntVolatile(base + SLOT_STATE_OFFSET) != SlotState.POSTED) {
                return false;
            }
            if (!mailbox.isSlotSane(slot)) {
                // Cannot even tell whom to answer; leave it for the watchdog to report.
                return false;
            }
            memory.putLong(base + SLOT_CALLEE_TOKEN_OFFSET, mailbox.token());
            mailbox.bookkeeping().recordTake(base, mailbox.clock().epochMillis());
            memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.TAKEN);
            request.wrap(slot, base, memory.getLong(base + SLOT_GENERATION_OFFSET));
            return true;
        } finally {
            mailbox.locks().unlock(slot);
        }
    }

    private void dispatch(RequestHandler handler) {
        Request r = request;
        if (r.isCancelRequested()) {
            complete(r.handle(), MailboxStatus.CANCELLED, ParamWriter.EMPTY);
            return;
        }
        try {
            handler.onRequest(r);
        } catch (RuntimeException | Error e) {
            if (!r.finished()) {
                String message = e.getClass().getSimpleName() + ": " + e.getMessage();
                complete(
                        r.handle(),
                        MailboxStatus.CALLEE_FAILED,
                        ParamWriter.of(truncate(
                                message.getBytes(StandardCharsets.UTF_8),
                                mailbox.geometry().paramCapacity())));
                return;
            }
            handlerErrorsAfterReply++;
        }
        if (!r.finished()) {
            complete(
                    r.handle(),
                    MailboxStatus.CALLEE_FAILED,
                    ParamWriter.of("handler neither replied nor deferred".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    private static byte[] truncate(byte[] bytes, int max) {
        return bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
    }

    /**
     * True once the caller revoked a call this callee took and deferred ({@link Request#defer}): work done for it later
     * checks this before its side effects, so a call the caller gave up on is not carried out behind its back. False
     * for a handle that is no longer this callee's.
     */
    public boolean isCancelRequested(long handle) {
        if (!mailbox.isValidHandle(handle)) {
            return false;
        }
        long base = mailbox.slotOffset(CallHandle.slotOf(handle));
        return memory.getLong(base + SLOT_GENERATION_OFFSET) == CallHandle.generationOf(handle)
                && memory.getIntVolatile(base + SLOT_STATE_OFFSET) == SlotState.TAKEN
                && (memory.getIntVolatile(base + SLOT_FLAGS_OFFSET) & SlotFlags.CANCEL_REQUESTED) != 0;
    }

    /**
     * Step two: writes the result of a taken call into its slot and rings its caller. The result region aliases the
     * parameters. Returns OK, STALE_HANDLE if the call is no longer ours (a recovery gave it to someone else),
     * TOO_LARGE or LOCK_TIMEOUT.
     */
    public int complete(long handle, int status, ParamWriter result) {
        return complete(handle, status, result, 0);
    }

    /** {@code result == null}: the result is already in place, {@code presetLength} bytes long. */
    private int complete(long handle, int status, ParamWriter result, int presetLength) {
        int slot = mailbox.locks().lockCall(handle);
        if (slot < 0) {
            return slot;
        }
        long base = mailbox.slotOffset(slot);
        int callerIndex;
        try {
            if (memory.getIntVolatile(base + SLOT_STATE_OFFSET) != SlotState.TAKEN
                    || memory.getLong(base + SLOT_CALLEE_TOKEN_OFFSET) != mailbox.token()) {
                return MailboxStatus.STALE_HANDLE;
            }
            int flags = memory.getIntVolatile(base + SLOT_FLAGS_OFFSET);
            int finalStatus = status;
            int length;
            try {
                length = result == null ? checkedLength(presetLength) : mailbox.writeParams(slot, result);
            } catch (RuntimeException e) {
                length = MailboxStatus.CALLEE_FAILED;
            }
            if (length < 0) {
                finalStatus = length;
                length = 0;
            }
            if ((flags & SlotFlags.CANCEL_REQUESTED) != 0) {
                if (finalStatus != MailboxStatus.CANCELLED) {
                    flags |= SlotFlags.EXECUTED;
                }
                finalStatus = MailboxStatus.CANCELLED;
            } else if (finalStatus >= 0 || finalStatus == MailboxStatus.CALLEE_FAILED) {
                flags |= SlotFlags.EXECUTED;
            }
            memory.putInt(base + SLOT_FLAGS_OFFSET, flags);
            memory.putInt(base + SLOT_STATUS_OFFSET, finalStatus);
            memory.putInt(base + SLOT_LENGTH_OFFSET, length);
            mailbox.bookkeeping().recordCompletion(base, mailbox.clock().epochMillis());
            memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.DONE);
            callerIndex = memory.getInt(base + SLOT_CALLER_INDEX_OFFSET);
        } finally {
            mailbox.locks().unlock(slot);
        }
        served.incrementAndGet();
        mailbox.notifyCaller(callerIndex, slot);
        return MailboxStatus.OK;
    }

    private int checkedLength(int length) {
        return length < 0 || length > mailbox.geometry().paramCapacity() ? MailboxStatus.TOO_LARGE : length;
    }

    /** Whether a posted call may be waiting (a hint; {@link #poll} decides). */
    public boolean hasRequests() {
        return requests.hasAny();
    }

    /** Sleeps in the kernel until a caller rings or {@code timeoutNanos} pass. */
    public void awaitRequests(long timeoutNanos) {
        requestWaiter.await(timeoutNanos, this::hasRequests);
    }

    /**
     * Heartbeat, and the periodic recovery sweep that notices callees which died holding calls. Returns the number of
     * calls the sweep repaired.
     */
    public int doHousekeeping() {
        long now = mailbox.clock().epochMillis();
        if (now - lastHeartbeat >= HEARTBEAT_INTERVAL_MS) {
            lastHeartbeat = now;
            memory.putLongRelease(entry + ENTRY_HEARTBEAT_OFFSET, now);
            memory.putLongRelease(entry + CALLEE_SERVED_OFFSET, served.get());
        }
        if (now - lastSweep >= SWEEP_INTERVAL_MS) {
            lastSweep = now;
            return MailboxRecovery.sweep(mailbox).repairs();
        }
        return 0;
    }

    public long served() {
        return served.get();
    }

    /** Handlers that threw after they had already replied; the reply stands, the error is counted. */
    public long handlerErrorsAfterReply() {
        return handlerErrorsAfterReply;
    }

    @Override
    public void close() {
        requests.release();
        memory.putLongRelease(entry + CALLEE_SERVED_OFFSET, served.get());
        memory.casLong(entry + ENTRY_TOKEN_OFFSET, mailbox.token(), 0);
    }

    /** Flyweight over the call being handled. Valid until the handler returns (or, if deferred, use the handle). */
    public static final class Request {
        private final MailboxCallee callee;
        private final SharedMemory memory;
        private int slot;
        private long base;
        private long generation;
        private boolean finished;

        Request(MailboxCallee callee) {
            this.callee = callee;
            this.memory = callee.memory;
        }

        void wrap(int slot, long base, long generation) {
            this.slot = slot;
            this.base = base;
            this.generation = generation;
            this.finished = false;
        }

        boolean finished() {
            return finished;
        }

        public long handle() {
            return CallHandle.of(generation, slot);
        }

        public int slot() {
            return slot;
        }

        public int opcode() {
            return memory.getInt(base + SLOT_OPCODE_OFFSET);
        }

        public long correlationId() {
            return memory.getLong(base + SLOT_CORRELATION_OFFSET);
        }

        public int callerIndex() {
            return memory.getInt(base + SLOT_CALLER_INDEX_OFFSET);
        }

        public int flags() {
            return memory.getIntVolatile(base + SLOT_FLAGS_OFFSET);
        }

        public int deliveries() {
            return callee.mailbox.bookkeeping().deliveries(base);
        }

        /** True once someone revoked this call; a long handler should stop and reply CANCELLED. */
        public boolean isCancelRequested() {
            return (flags() & SlotFlags.CANCEL_REQUESTED) != 0;
        }

        /** The slot's whole parameter region; the request occupies its first {@link #length()} bytes. */
        public MemorySegment params() {
            return callee.mailbox.paramRegion(slot);
        }

        public int length() {
            return memory.getInt(base + SLOT_LENGTH_OFFSET);
        }

        /** Replies with the first {@code resultLength} bytes already written into {@link #params()}. */
        public int reply(int status, int resultLength) {
            finished = true;
            return callee.complete(handle(), status, null, resultLength);
        }

        public int reply(int status, ParamWriter result) {
            finished = true;
            return callee.complete(handle(), status, result);
        }

        /** Keeps the call taken after the handler returns; finish it with {@link MailboxCallee#complete}. */
        public long defer() {
            finished = true;
            return handle();
        }
    }
}
