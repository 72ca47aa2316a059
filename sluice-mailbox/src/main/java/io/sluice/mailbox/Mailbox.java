package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import io.sluice.common.EpochClock;
import io.sluice.common.ProcessIdentity;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * One provider's inbox: a memory-mapped file of fixed-size mailslots (see {@link MailboxDescriptor}). This class owns
 * the mapping, the layout's offsets and the doorbells, and hands every party the primitives over the file:
 * {@link SlotLocks}, {@link HintBitmaps}, {@link SlotBookkeeping}; the operations any process may apply to a call,
 * {@link #revoke} and {@link #modify}, are {@link CallAmendments}'. Callers post through {@link MailboxCaller}, callees
 * serve through {@link MailboxCallee}.
 *
 * <p>Thread-safe: all shared state lives in the file and is changed with atomic operations or under a slot lock. See
 * CONCURRENCY.md in this module.
 */
public final class Mailbox implements AutoCloseable {
    public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");
    /** A request that has already taken down this many callees is abandoned rather than redelivered. */
    static final int MAX_DELIVERIES = 3;

    private final Path file;
    private final Arena arena;
    private final SharedMemory memory;
    private final MailboxGeometry geometry;
    private final EpochClock clock;
    private final long token;
    private final boolean readOnly;

    private final long freeBitmap;
    private final long requestBitmap;
    private final long calleeTable;
    private final long callerTable;
    private final long replyBitmaps;
    private final long slots;
    private final HintBitmaps bitmaps;
    private final SlotLocks locks;
    private final CallAmendments amendments;
    private final SlotBookkeeping bookkeeping;
    private final long bitmapLength;
    private final MemorySegment[] paramRegions;
    private final Doorbell requestDoorbell;
    private final Doorbell[] replyDoorbells;

    private Mailbox(
            Path file,
            Arena arena,
            MemorySegment segment,
            MailboxGeometry geometry,
            EpochClock clock,
            boolean readOnly) {
        this.file = file;
        this.arena = arena;
        this.memory = new SharedMemory(segment);
        this.geometry = geometry;
        this.clock = clock;
        this.token = ProcessIdentity.current().token();
        this.readOnly = readOnly;
        int n = geometry.slotCount();
        this.freeBitmap = MailboxDescriptor.freeBitmapOffset();
        this.requestBitmap = MailboxDescriptor.requestBitmapOffset(n);
        this.calleeTable = calleeTableOffset(n);
        this.callerTable = callerTableOffset(n, geometry.maxCallees());
        this.replyBitmaps = replyBitmapsOffset(n, geometry.maxCallers(), geometry.maxCallees());
        this.slots = slotsOffset(n, geometry.maxCallers(), geometry.maxCallees());
        this.bitmaps = new HintBitmaps(memory, MailboxDescriptor.bitmapWords(n), n);
        this.locks = new SlotLocks(this, memory, token, clock);
        this.amendments = new CallAmendments(this, memory);
        this.bookkeeping = new SlotBookkeeping(memory);
        this.bitmapLength = MailboxDescriptor.bitmapLength(n);
        this.paramRegions = new MemorySegment[n];
        for (int i = 0; i < n; i++) {
            paramRegions[i] = segment.asSlice(slotOffset(i) + SLOT_HEADER_LENGTH, geometry.paramCapacity());
        }
        this.requestDoorbell = new Doorbell(memory, REQUEST_SEQ_OFFSET, REQUEST_WAITERS_OFFSET);
        this.replyDoorbells = new Doorbell[geometry.maxCallers()];
        for (int i = 0; i < replyDoorbells.length; i++) {
            long entry = callerEntryOffset(i);
            replyDoorbells[i] = new Doorbell(memory, entry + CALLER_SEQ_OFFSET, entry + CALLER_WAITERS_OFFSET);
        }
    }

    // ---------------------------------------------------------------- opening and creating

    /**
     * Creates a new mailbox file, atomically: it appears under its name complete or not at all, 0600, in a directory
     * this user owns (created 0700 when missing) or a sticky one like /dev/shm.
     */
    public static Mailbox create(Path file, MailboxGeometry geometry, EpochClock clock) {
        MailboxFile.Mapping mapping = MailboxFile.create(file, geometry, clock);
        return new Mailbox(file, mapping.arena(), mapping.segment(), mapping.geometry(), clock, false);
    }

    public static Mailbox create(Path file, MailboxGeometry geometry) {
        return create(file, geometry, EpochClock.system());
    }

    /** Opens an existing mailbox for reading and writing. */
    public static Mailbox open(Path file, EpochClock clock) {
        return map(file, clock, false);
    }

    public static Mailbox open(Path file) {
        return open(file, EpochClock.system());
    }

    /** Maps a mailbox read-only, for inspection by a third party: nothing in it can be changed. */
    public static Mailbox openReadOnly(Path file) {
        return map(file, EpochClock.system(), true);
    }

    /**
     * Opens the mailbox at {@code file} if it is valid and has the expected geometry, creates it if it is missing;
     * throws {@link MailboxFormatException} if it exists but is unusable.
     */
    public static Mailbox openOrCreate(Path file, MailboxGeometry geometry, EpochClock clock) {
        try {
            Mailbox mailbox = open(file, clock);
            if (!mailbox.geometry.equals(geometry)) {
                mailbox.close();
                throw new MailboxFormatException(
                        file,
                        MailboxFormatException.Reason.GEOMETRY_MISMATCH,
                        "file has " + mailbox.geometry + ", expected " + geometry);
            }
            return mailbox;
        } catch (MailboxFormatException e) {
            if (e.reason() != MailboxFormatException.Reason.MISSING) {
                throw e;
            }
            return create(file, geometry, clock);
        }
    }

    /**
     * Moves an unusable file aside (keeping it for post-mortem as {@code NAME.bad-MILLIS}) so that a fresh mailbox can
     * be created in its place. Returns the path the old file was moved to, or null if none.
     */
    public static Path quarantine(Path file, EpochClock clock) {
        return MailboxFile.quarantine(file, clock);
    }

    private static Mailbox map(Path file, EpochClock clock, boolean readOnly) {
        MailboxFile.Mapping mapping = MailboxFile.map(file, readOnly);
        return new Mailbox(file, mapping.arena(), mapping.segment(), mapping.geometry(), clock, readOnly);
    }

    // ---------------------------------------------------------------- header

    public Path file() {
        return file;
    }

    public MailboxGeometry geometry() {
        return geometry;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public long creatorToken() {
        return memory.getLong(CREATOR_TOKEN_OFFSET);
    }

    public long createdAt() {
        return memory.getLong(CREATED_AT_OFFSET);
    }

    public long epoch() {
        return memory.getLongVolatile(EPOCH_OFFSET);
    }

    long incrementEpoch() {
        return memory.getAndAddLong(EPOCH_OFFSET, 1) + 1;
    }

    EpochClock clock() {
        return clock;
    }

    long token() {
        return token;
    }

    SharedMemory memory() {
        return memory;
    }

    HintBitmaps bitmaps() {
        return bitmaps;
    }

    SlotLocks locks() {
        return locks;
    }

    SlotBookkeeping bookkeeping() {
        return bookkeeping;
    }

    // ---------------------------------------------------------------- layout helpers

    long slotOffset(int slot) {
        return slots + (long) slot * geometry.slotSize();
    }

    long calleeEntryOffset(int index) {
        return calleeTable + (long) index * ENTRY_LENGTH;
    }

    long callerEntryOffset(int index) {
        return callerTable + (long) index * ENTRY_LENGTH;
    }

    long replyBitmapOffset(int callerIndex) {
        return replyBitmaps + callerIndex * bitmapLength;
    }

    long freeBitmapOffset() {
        return freeBitmap;
    }

    long requestBitmapOffset() {
        return requestBitmap;
    }

    MemorySegment paramRegion(int slot) {
        return paramRegions[slot];
    }

    Doorbell requestDoorbell() {
        return requestDoorbell;
    }

    /**
     * How many callee threads are registered on the request doorbell right now, about to sleep or asleep until a call
     * comes (inspection: the benchmark waits for it to time a call to a sleeper).
     */
    public int calleesWaiting() {
        return requestDoorbell.waiters();
    }

    Doorbell replyDoorbell(int callerIndex) {
        return replyDoorbells[callerIndex];
    }

    boolean isValidHandle(long handle) {
        return handle > 0 && CallHandle.slotOf(handle) < geometry.slotCount();
    }

    // ---------------------------------------------------------------- slot fields

    int state(int slot) {
        return memory.getIntVolatile(slotOffset(slot) + SLOT_STATE_OFFSET);
    }

    long generation(int slot) {
        return memory.getLong(slotOffset(slot) + SLOT_GENERATION_OFFSET);
    }

    /** Reads a consistent copy of a slot's header, without locking (for inspection). */
    public SlotInfo slotInfo(int slot) {
        long base = slotOffset(slot);
        return new SlotInfo(
                slot,
                memory.getIntVolatile(base + SLOT_STATE_OFFSET),
                memory.getInt(base + SLOT_OPCODE_OFFSET),
                memory.getLong(base + SLOT_GENERATION_OFFSET),
                memory.getInt(base + SLOT_CALLER_INDEX_OFFSET),
                memory.getInt(base + SLOT_FLAGS_OFFSET),
                memory.getLong(base + SLOT_CORRELATION_OFFSET),
                memory.getLong(base + SLOT_CALLEE_TOKEN_OFFSET),
                memory.getInt(base + SLOT_STATUS_OFFSET),
                memory.getInt(base + SLOT_LENGTH_OFFSET),
                memory.getLong(base + SLOT_POSTED_AT_OFFSET),
                bookkeeping.takenAt(base),
                bookkeeping.completedAt(base),
                bookkeeping.deliveries(base),
                memory.getLongVolatile(base + SLOT_LOCK_OFFSET));
    }

    /** Whether the header fields a callee or caller relies on are in range. */
    boolean isSlotSane(int slot) {
        long base = slotOffset(slot);
        int state = memory.getIntVolatile(base + SLOT_STATE_OFFSET);
        if (!SlotState.isValid(state)) {
            return false;
        }
        if (state == SlotState.FREE) {
            return true;
        }
        int callerIndex = memory.getInt(base + SLOT_CALLER_INDEX_OFFSET);
        int length = memory.getInt(base + SLOT_LENGTH_OFFSET);
        return callerIndex >= 0
                && callerIndex < geometry.maxCallers()
                && length >= 0
                && length <= geometry.paramCapacity();
    }

    public EntryInfo calleeEntry(int index) {
        return entryInfo(
                calleeEntryOffset(index),
                index,
                memory.getLongVolatile(calleeEntryOffset(index) + CALLEE_SERVED_OFFSET),
                0);
    }

    public EntryInfo callerEntry(int index) {
        return entryInfo(
                callerEntryOffset(index),
                index,
                0,
                memory.getLongVolatile(callerEntryOffset(index) + CALLER_GENERATION_OFFSET));
    }

    private EntryInfo entryInfo(long base, int index, long served, long generation) {
        return new EntryInfo(
                index,
                memory.getLongVolatile(base + ENTRY_TOKEN_OFFSET),
                memory.getLongVolatile(base + ENTRY_HEARTBEAT_OFFSET),
                memory.getLongVolatile(base + ENTRY_ATTACHED_AT_OFFSET),
                served,
                generation);
    }

    // ---------------------------------------------------------------- revocation and modification

    /**
     * Cancels a call. A call still posted completes at once with CANCELLED (returns OK); a call a callee has taken gets
     * the CANCEL_REQUESTED flag and completes as CANCELLED when the callee finishes (returns CANCEL_REQUESTED); a
     * finished call returns TOO_LATE.
     */
    public int revoke(long handle) {
        return amendments.revoke(handle);
    }

    /**
     * Rewrites a call that no callee has taken yet: a new operation code and parameters. Returns OK, TOO_LATE once
     * taken, TOO_LARGE if the parameters do not fit, or STALE_HANDLE.
     */
    public int modify(long handle, int opcode, ParamWriter params) {
        return amendments.modify(handle, opcode, params);
    }

    /** Runs a writer over a slot's parameter region; its length, or TOO_LARGE. Caller holds the lock. */
    int writeParams(int slot, ParamWriter params) {
        return writeParams(paramRegions[slot], params);
    }

    static int writeParams(MemorySegment region, ParamWriter params) {
        int length;
        try {
            length = params.write(region);
        } catch (IndexOutOfBoundsException e) {
            return MailboxStatus.TOO_LARGE;
        }
        if (length < 0 || length > region.byteSize()) {
            return MailboxStatus.TOO_LARGE;
        }
        return length;
    }

    void notifyCaller(int callerIndex, int slot) {
        if (callerIndex < 0 || callerIndex >= geometry.maxCallers()) {
            // A corrupted caller index: nobody to tell. The slot stays DONE for the watchdog to report.
            return;
        }
        bitmaps.set(replyBitmapOffset(callerIndex), slot);
        replyDoorbells[callerIndex].ring();
    }

    void notifyCallees(int slot) {
        bitmaps.set(requestBitmap, slot);
        requestDoorbell.ring();
    }

    void checkWritable() {
        if (readOnly) {
            throw new MailboxException(file + " is open read-only");
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "Mailbox[" + file + ", " + geometry + "]";
    }
}
