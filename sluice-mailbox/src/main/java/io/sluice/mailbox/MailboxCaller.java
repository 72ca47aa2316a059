package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import io.sluice.common.ProcessIdentity;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The caller's side of a mailbox: posting a call and collecting its result (docs/design.md, "The mailbox's two-step
 * call"). {@link #call} is step one: it locks a free slot, writes the request, rings the callee and returns a handle at
 * once; the calling thread holds nothing afterwards. {@link #pollReplies} is the end of step two: it takes each
 * finished call's result out of its slot and frees the slot.
 *
 * <p>A caller is a logical index (fixed per role) bound to the current process. A restarted process attaching with the
 * same index takes the entry back from its dead predecessor and finds its calls again with {@link #outstanding()};
 * replies that arrived meanwhile are still in their slots. The calls found at attach are the predecessor's
 * ({@link #resumption()}): their replies come through {@link #pollReplies} like any other, marked
 * {@link ReplyView#inherited()}, so the role decides what each means to it and the slots go back to the free list
 * either way.
 *
 * <p>{@link #call}, {@link #cancel} and {@link #modify} may be used from any thread; {@link #pollReplies} and
 * {@link #awaitReplies} from one thread at a time.
 */
public final class MailboxCaller implements AutoCloseable {
    private final Mailbox mailbox;
    private final SharedMemory memory;
    private final int callerIndex;
    private final long entry;
    private final long replyBitmap;
    private final Doorbell.Waiter replyWaiter;
    private final ReplyView view = new ReplyView();
    /** Where the last free slot was found; a racy hint shared by calling threads, so not volatile. */
    private int freeCursor;

    private final BitClaimer replies;
    private long lastHeartbeat;
    /** Handles of the calls outstanding at attach (an earlier incarnation's), sorted; searched per reply. */
    private final long[] inherited;
    /** How many of {@link #inherited} have not been delivered yet: 0 makes the per-reply search free. */
    private int inheritedLeft;

    private final Resumption resumption;

    /**
     * What binding a caller index found: the entry's new {@code generation}, the dead process it was taken from
     * ({@code predecessorPid}, 0 when the index was free), whether the entry held a token naming no possible process
     * ({@code repairedEntry}), and the earlier incarnation's calls still in the mailbox by state. A slot of this index
     * whose header is out of range ({@code corrupt}) is not inherited: it is left for the watchdog to report rather
     * than read.
     */
    public record Resumption(
            long generation, long predecessorPid, boolean repairedEntry, int posted, int taken, int done, int corrupt) {
        /** Calls of the earlier incarnation this caller will receive replies for. */
        public int calls() {
            return posted + taken + done;
        }

        /** One line for a role's log: whom this caller succeeded and what it inherited; null when nothing. */
        public String describe() {
            if (predecessorPid == 0 && !repairedEntry && calls() == 0 && corrupt == 0) {
                return null;
            }
            return (repairedEntry
                            ? "took over an entry whose token named no process (corrupt)"
                            : predecessorPid == 0
                                    ? "resumed a caller index left free"
                                    : "took over from dead pid " + predecessorPid)
                    + ", generation " + generation + ": "
                    + calls() + " calls inherited (" + posted + " posted, " + taken + " taken, " + done + " done)"
                    + (corrupt == 0 ? "" : ", " + corrupt + " corrupt slots left to the watchdog");
        }
    }

    private MailboxCaller(Mailbox mailbox, int callerIndex, long[] inherited, Resumption resumption) {
        this.mailbox = mailbox;
        this.memory = mailbox.memory();
        this.callerIndex = callerIndex;
        this.entry = mailbox.callerEntryOffset(callerIndex);
        this.replyBitmap = mailbox.replyBitmapOffset(callerIndex);
        this.replyWaiter = mailbox.replyDoorbell(callerIndex).new Waiter();
        this.replies = new BitClaimer(mailbox, replyBitmap, 0);
        this.freeCursor =
                (int) (ProcessHandle.current().pid() % mailbox.bitmaps().words());
        this.inherited = inherited;
        this.inheritedLeft = inherited.length;
        this.resumption = resumption;
    }

    /**
     * Binds caller index {@code callerIndex} to this process. Refused with {@link CallerEntryException} while another
     * live process holds it; taken over from a dead one, whose outstanding calls this caller inherits (see
     * {@link #resumption()}). Repairs the mailbox's hint bitmaps on the way (see {@link MailboxRecovery}), which also
     * announces the replies that finished while nobody held the index.
     */
    public static MailboxCaller attach(Mailbox mailbox, int callerIndex) {
        mailbox.checkWritable();
        if (callerIndex < 0 || callerIndex >= mailbox.geometry().maxCallers()) {
            throw new IllegalArgumentException(
                    "caller index must be 0.." + (mailbox.geometry().maxCallers() - 1) + ", was " + callerIndex);
        }
        long entry = mailbox.callerEntryOffset(callerIndex);
        long previous = MailboxRecovery.claimCallerEntry(mailbox, entry, callerIndex);
        SharedMemory memory = mailbox.memory();
        long generation = previous == mailbox.token()
                ? memory.getLongVolatile(entry + CALLER_GENERATION_OFFSET)
                : memory.getAndAddLong(entry + CALLER_GENERATION_OFFSET, 1) + 1;
        long now = mailbox.clock().epochMillis();
        memory.putLongVolatile(entry + ENTRY_ATTACHED_AT_OFFSET, now);
        memory.putLongVolatile(entry + ENTRY_HEARTBEAT_OFFSET, now);
        // Before the sweep: it may complete a dead callee's call, and that call is inherited all the same.
        long[] handles = new long[mailbox.geometry().slotCount()];
        int count = 0;
        int posted = 0;
        int taken = 0;
        int done = 0;
        int corrupt = 0;
        for (int slot = 0; slot < mailbox.geometry().slotCount(); slot++) {
            long base = mailbox.slotOffset(slot);
            int state = memory.getIntVolatile(base + SLOT_STATE_OFFSET);
            if (state == SlotState.FREE || memory.getInt(base + SLOT_CALLER_INDEX_OFFSET) != callerIndex) {
                continue;
            }
            if (!mailbox.isSlotSane(slot)) {
                corrupt++;
                continue;
            }
            handles[count++] = CallHandle.of(mailbox.generation(slot), slot);
            switch (state) {
                case SlotState.POSTED -> posted++;
                case SlotState.TAKEN -> taken++;
                default -> done++;
            }
        }
        long[] inherited = Arrays.copyOf(handles, count);
        Arrays.sort(inherited);
        boolean dead = previous != 0 && previous != mailbox.token();
        Resumption resumption = new Resumption(
                generation,
                dead ? ProcessIdentity.pidOf(previous) : 0,
                dead && ProcessIdentity.pidOf(previous) == 0,
                posted,
                taken,
                done,
                corrupt);
        MailboxRecovery.sweep(mailbox);
        return new MailboxCaller(mailbox, callerIndex, inherited, resumption);
    }

    /** What this caller found when it bound its index: the predecessor and its calls still in the mailbox. */
    public Resumption resumption() {
        return resumption;
    }

    /** The inherited calls whose replies have not come through {@link #pollReplies} yet. */
    public int inheritedOutstanding() {
        return inheritedLeft;
    }

    public int callerIndex() {
        return callerIndex;
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    public int paramCapacity() {
        return mailbox.geometry().paramCapacity();
    }

    /**
     * Posts a call. Returns its handle ({@code > 0}) or a negative {@link MailboxStatus}: MAILBOX_FULL, TOO_LARGE,
     * LOCK_TIMEOUT. Only {@link SlotFlags#CALLER_SETTABLE} flags are kept.
     */
    public long call(int opcode, int flags, long correlationId, ParamWriter params) {
        while (true) {
            int slot = mailbox.bitmaps().claimAny(mailbox.freeBitmapOffset(), freeCursor);
            if (slot < 0) {
                return MailboxStatus.MAILBOX_FULL;
            }
            freeCursor = slot >>> 6;
            int rc = mailbox.locks().lock(slot);
            if (rc != MailboxStatus.OK) {
                return rc;
            }
            long base = mailbox.slotOffset(slot);
            if (memory.getIntVolatile(base + SLOT_STATE_OFFSET) != SlotState.FREE) {
                // A stale hint: the slot is in use. Its bit stays cleared; try another.
                mailbox.locks().unlock(slot);
                continue;
            }
            long generation;
            try {
                int length = mailbox.writeParams(slot, params);
                if (length < 0) {
                    mailbox.locks().unlock(slot);
                    mailbox.bitmaps().set(mailbox.freeBitmapOffset(), slot);
                    return length;
                }
                generation = memory.getLong(base + SLOT_GENERATION_OFFSET) + 1;
                memory.putLong(base + SLOT_GENERATION_OFFSET, generation);
                memory.putInt(base + SLOT_OPCODE_OFFSET, opcode);
                memory.putInt(base + SLOT_CALLER_INDEX_OFFSET, callerIndex);
                memory.putInt(base + SLOT_FLAGS_OFFSET, flags & SlotFlags.CALLER_SETTABLE);
                memory.putLong(base + SLOT_CORRELATION_OFFSET, correlationId);
                memory.putLong(base + SLOT_CALLEE_TOKEN_OFFSET, 0);
                memory.putInt(base + SLOT_STATUS_OFFSET, MailboxStatus.OK);
                memory.putInt(base + SLOT_LENGTH_OFFSET, length);
                memory.putLong(base + SLOT_POSTED_AT_OFFSET, mailbox.clock().epochMillis());
                memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.POSTED);
            } catch (RuntimeException e) {
                mailbox.locks().unlock(slot);
                mailbox.bitmaps().set(mailbox.freeBitmapOffset(), slot);
                throw e;
            }
            mailbox.locks().unlock(slot);
            mailbox.notifyCallees(slot);
            return CallHandle.of(generation, slot);
        }
    }

    public long call(int opcode, int flags, long correlationId, MemorySegment params, long offset, int length) {
        return call(opcode, flags, correlationId, region -> {
            MemorySegment.copy(params, offset, region, 0, length);
            return length;
        });
    }

    public long call(int opcode, int flags, long correlationId, byte[] params) {
        return call(opcode, flags, correlationId, ParamWriter.of(params));
    }

    /**
     * Delivers finished calls to {@code handler} (at most {@code limit}), freeing their slots. The handler runs while
     * this caller holds the slot and must copy what it keeps.
     */
    public int pollReplies(ReplyHandler handler, int limit) {
        int delivered = 0;
        while (delivered < limit) {
            int slot = replies.next();
            if (slot < 0) {
                break;
            }
            if (consume(slot, handler)) {
                delivered++;
            }
        }
        return delivered;
    }

    private boolean consume(int slot, ReplyHandler handler) {
        if (mailbox.locks().lock(slot) != MailboxStatus.OK) {
            mailbox.bitmaps().set(replyBitmap, slot);
            return false;
        }
        long base = mailbox.slotOffset(slot);
        try {
            if (memory.getIntVolatile(base + SLOT_STATE_OFFSET) != SlotState.DONE
                    || memory.getInt(base + SLOT_CALLER_INDEX_OFFSET) != callerIndex) {
                return false;
            }
            int length = memory.getInt(base + SLOT_LENGTH_OFFSET);
            if (length < 0 || length > mailbox.geometry().paramCapacity()) {
                length = 0;
                memory.putInt(base + SLOT_STATUS_OFFSET, MailboxStatus.CORRUPT_SLOT);
            }
            view.wrap(mailbox, slot, base, length, isInherited(slot));
            try {
                handler.onReply(view);
            } finally {
                memory.putIntRelease(base + SLOT_STATE_OFFSET, SlotState.FREE);
            }
        } finally {
            mailbox.locks().unlock(slot);
        }
        mailbox.bitmaps().set(mailbox.freeBitmapOffset(), slot);
        return true;
    }

    /** Whether the call in {@code slot} is one found at attach; each is counted once. Allocation-free. */
    private boolean isInherited(int slot) {
        if (inheritedLeft == 0 || Arrays.binarySearch(inherited, CallHandle.of(mailbox.generation(slot), slot)) < 0) {
            return false;
        }
        inheritedLeft--;
        return true;
    }

    public boolean hasReplies() {
        return replies.hasAny();
    }

    /** Sleeps until a reply may be waiting or {@code timeoutNanos} pass. */
    public void awaitReplies(long timeoutNanos) {
        replyWaiter.await(timeoutNanos, this::hasReplies);
    }

    /** Wakes whichever thread sleeps in {@link #awaitReplies}, e.g. to let it see a stop flag. */
    public void wakeUp() {
        mailbox.replyDoorbell(callerIndex).ring();
    }

    /** Revokes one of this caller's calls; see {@link Mailbox#revoke}. */
    public int cancel(long handle) {
        return mailbox.revoke(handle);
    }

    /** Rewrites a call not yet taken; see {@link Mailbox#modify}. */
    public int modify(long handle, int opcode, ParamWriter params) {
        return mailbox.modify(handle, opcode, params);
    }

    /** Calls of this caller index that have not been consumed yet, e.g. after a restart. */
    public List<SlotInfo> outstanding() {
        List<SlotInfo> calls = new ArrayList<>();
        for (int slot = 0; slot < mailbox.geometry().slotCount(); slot++) {
            SlotInfo info = mailbox.slotInfo(slot);
            if (info.state() != SlotState.FREE
                    && SlotState.isValid(info.state())
                    && info.callerIndex() == callerIndex) {
                calls.add(info);
            }
        }
        return calls;
    }

    /**
     * How many of this caller's calls wait in the mailbox with no callee having taken them: a callee that has stopped
     * taking (or fallen behind) shows here. Scans the slots once, allocating nothing.
     */
    public int untaken() {
        return untaken(mailbox, callerIndex, callerIndex + 1);
    }

    /**
     * How many calls of the caller indexes {@code from} (inclusive) to {@code to} (exclusive) wait in {@code mailbox}
     * with no callee having taken them, as {@link #untaken()} for several callers of one role in one scan.
     */
    public static int untaken(Mailbox mailbox, int from, int to) {
        SharedMemory memory = mailbox.memory();
        int count = 0;
        for (int slot = 0; slot < mailbox.geometry().slotCount(); slot++) {
            if (mailbox.state(slot) == SlotState.POSTED) {
                int index = memory.getInt(mailbox.slotOffset(slot) + SLOT_CALLER_INDEX_OFFSET);
                if (index >= from && index < to) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Records that this caller is alive; cheap enough to call on every loop. */
    public void heartbeat() {
        long now = mailbox.clock().epochMillis();
        if (now - lastHeartbeat >= 100) {
            lastHeartbeat = now;
            memory.putLongRelease(entry + ENTRY_HEARTBEAT_OFFSET, now);
        }
    }

    /** Gives the caller index back; outstanding calls stay in their slots for a later attach. */
    @Override
    public void close() {
        memory.casLong(entry + ENTRY_TOKEN_OFFSET, mailbox.token(), 0);
    }
}
