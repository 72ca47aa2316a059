package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ReplyView;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntToLongFunction;
import java.util.function.LongConsumer;

/**
 * The services' side of the database manager's mailbox: per-second samples in {@code DB_APPEND_SAMPLES}
 * batches, and JSON calls (compliance verdicts, alerts, discovered gateways, volumes and backends, the
 * startup load of SLAs). It never blocks the services' loop: every call is two-step, replies are taken
 * in {@link #doWork}, at most {@link #maxInFlight} calls are outstanding, and what waits is bounded
 * ({@link #maxPendingBatches} sealed batches, {@link #maxPendingCalls} JSON calls).
 *
 * <p><b>Back-pressure, not loss.</b> While the database manager is attached and its mailbox takes the batches
 * slower than reports bring samples, the sealed batches reach {@link #maxPendingBatches} and the forwarder
 * says it is {@link #full()}: the services then take no more reports from their mailbox until it has room
 * again, so the reports wait in that mailbox (shared memory); once half of it waits the monitor stops
 * polling, and the gateways carry their counters into the report they send when asked again (the monitor's
 * {@code ServicesLink.behind}). A slow database manager therefore slows the reports; it
 * never makes the forwarder drop a sample it accepted. One turn of intake may go past the bound (the
 * services take up to 256 reports a turn, about 18 batches), so the forwarder drops only beyond twice the
 * bound, which the intake cannot reach; if it ever does, the drop is counted and said in {@link #lastError}.
 * While the database manager is absent (no mailbox file, or one let go), there is nobody to push back
 * for, and the services keep controlling: samples pile up to {@link #maxPendingBatches} and then the oldest
 * are dropped, counted and said in {@link #lastError}. A mailbox file that disappears or is replaced is let go
 * (batches in flight are sent again, JSON calls in flight counted as dropped) and the new one attached when
 * it appears, with the startup load run again.
 *
 * <p>Batch ids come from the clock ({@code epoch ms x 1000}, then one more than the last), so a restarted
 * services process continues above the ids its predecessor used and the database manager's
 * de-duplication by id stays sound. A batch the database manager refused for a reason that may pass
 * (UNAVAILABLE, an abandoned call) is sent again with the same id.
 *
 * <p>A report's samples are only safe once their batch is posted into the database manager's mailbox
 * (shared memory that outlives this process). So while that mailbox is attached, the forwarder holds the
 * report's reply ({@link #onStats} returns true) and releases it when the batch is posted: a services
 * process killed before that never answered the report, and the monitor's idempotent call is delivered
 * again to its successor. A batch that cannot be posted (mailbox absent, let go, call refused, dropped
 * for the bound) releases its replies at once, and at most {@link #MAX_HELD_REPLIES} are held, so the
 * control loop never waits for the database.
 *
 * <p><b>A predecessor's calls.</b> A services process that died left its calls in the database manager's mailbox
 * under the same caller index; this one inherits them when it attaches ({@link ReplyView#inherited()}) and
 * collects their replies so the slots are freed: a sample batch stored is counted ({@link #inheritedStored}) and
 * raises {@link #lastStoredBatchId}; a batch refused is counted lost ({@link #inheritedLost}) and said in
 * {@link #lastError}, since its bytes died with the predecessor (the slot holds the reply now); a JSON call's
 * reply (a registration, a verdict, a load page) is released and counted ({@link #inheritedCalls}): whoever
 * wanted its result is gone, and this process loads and registers afresh at attach. Inherited replies never
 * reach this process's own calls, whose correlation ids may repeat the predecessor's.
 *
 * <p>Not thread-safe: the services' loop thread does everything; {@link #status} reads a few volatiles.
 */
final class DbForwarder implements AutoCloseable {
    /** How often the mailbox file is looked for while it does not exist. */
    static final long ATTACH_RETRY_MILLIS = 1_000;
    /** Report replies held at most, a quarter of the services' mailbox slots, so reports keep flowing. */
    static final int MAX_HELD_REPLIES = ServerMailboxes.SERVICES.slotCount() / 4;
    private static final long[] NO_HANDLES = new long[0];

    /** How long a batch refused for unregistered volumes waits for their registration before it goes again. */
    static final long UNKNOWN_VOLUME_RETRY_MILLIS = 500;
    /** Refusals for unregistered volumes after which a batch is dropped (and counted). */
    static final int MAX_UNKNOWN_VOLUME_REFUSALS = 5;

    /** A batch sealed and waiting to be posted (not before {@code notBefore}), with the replies of the reports in it. */
    private record SealedBatch(byte[] bytes, long[] replies, long notBefore) {
        SealedBatch(byte[] bytes, long[] replies) {
            this(bytes, replies, 0);
        }

        int samples() {
            return ByteBuffer.wrap(bytes).getInt(SampleBatchDescriptor.COUNT_OFFSET);
        }
    }

    /** A JSON call in flight or waiting; {@code onResult} sees the reply's status and JSON (may be null). */
    private record JsonCall(byte[] request, ResultHandler onResult) {
    }

    /** What to do with a JSON call's result. */
    @FunctionalInterface
    interface ResultHandler {
        void onResult(int status, JsonNode result);
    }

    private final Path file;
    private final EpochClock clock;
    private final int maxInFlight;
    private final int maxPendingBatches;
    private final int maxPendingCalls;
    private final long sealAfterMillis;
    private long gatheringSince;
    private final ObjectMapper json = new ObjectMapper();
    private final int batchCapacity = SampleBatchDescriptor.maxSamples(ServerMailboxes.DB.paramCapacity());
    private final ByteBuffer staging = ByteBuffer.allocate(SampleBatchDescriptor.batchLength(batchCapacity));
    private final SampleBatchFlyweight batch = new SampleBatchFlyweight();
    private final ArrayDeque<SealedBatch> sealed = new ArrayDeque<>();
    private final ArrayDeque<JsonCall> calls = new ArrayDeque<>();
    private final Map<Long, byte[]> batchesInFlight = new HashMap<>();
    private final Map<Long, JsonCall> callsInFlight = new HashMap<>();
    private Mailbox mailbox;
    private MailboxCaller caller;
    private long nextAttachAt;
    /** The identity (inode) of the mailbox file mapped, to notice when it is replaced. */
    private Object attachedKey;
    private long lastBatchId;
    private long correlation;
    private Consumer<DbForwarder> onAttach = f -> { };
    private final LongConsumer releaseReply;
    private IntConsumer onUnknownVolume = volumeId -> { };
    private final Map<Long, Integer> unknownVolumeRefusals = new HashMap<>();
    private long[] gatheringReplies = new long[64];
    private int gatheringReplyCount;
    private int heldReplies;
    private volatile long droppedSamples;
    private volatile long droppedCalls;
    private volatile long storedBatches;
    private volatile long inheritedStored;
    private volatile long inheritedLost;
    private volatile long inheritedCalls;
    private volatile long lastStoredBatchId;
    private volatile String lastError;

    /**
     * @param sealAfterMillis how long samples gather before they go as a batch (a full batch goes at once),
     *                        so a busy loop does not send a batch per report
     * @param releaseReply    answers a held report's call (given its mailbox handle)
     */
    DbForwarder(Path file, EpochClock clock, int maxInFlight, int maxPendingBatches, int maxPendingCalls,
                long sealAfterMillis, LongConsumer releaseReply) {
        this.releaseReply = releaseReply;
        this.sealAfterMillis = sealAfterMillis;
        this.file = file;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.maxPendingBatches = maxPendingBatches;
        this.maxPendingCalls = maxPendingCalls;
        batch.wrap(staging, 0).begin(0);
    }

    /** Runs {@code action} each time the database manager's mailbox is (re)attached: the startup load. */
    void onAttach(Consumer<DbForwarder> action) {
        this.onAttach = action;
    }

    /**
     * Called with each volume the database manager refused samples of because nobody registered it; the
     * services register it again (its batch goes again after {@link #UNKNOWN_VOLUME_RETRY_MILLIS}).
     */
    void onUnknownVolume(IntConsumer action) {
        this.onUnknownVolume = action;
    }

    boolean attached() {
        return caller != null;
    }

    /**
     * One sample per volume and direction of a STATS report, with the IOPS limit in force for the volume.
     * Returns true when the forwarder holds the report's reply ({@code replyHandle}) until the samples are
     * posted; false when the caller should answer now.
     */
    boolean onStats(StatsReader stats, IntToLongFunction iopsLimit, long replyHandle) {
        appendSamples(stats, iopsLimit);
        return holdReply(replyHandle);
    }

    /** One sample per volume and direction of a STATS report, with the IOPS limit in force for the volume. */
    void appendSamples(StatsReader stats, IntToLongFunction iopsLimit) {
        for (int i = 0; i < stats.volumeCount(); i++) {
            VolumeStatsFlyweight volume = stats.volume(i);
            for (IoDirection direction : IoDirection.values()) {
                if (batch.count() == batchCapacity) {
                    seal();
                }
                if (batch.count() == 0) {
                    gatheringSince = clock.epochMillis();
                }
                batch.append().volumeId(volume.volumeId()).direction(direction).gatewayId(stats.gatewayId())
                        .intervalStartMillis(stats.intervalStartMillis()).intervalLengthMillis(stats.intervalMillis())
                        .queueDepth(volume.queueDepth()).ops(volume.ops(direction)).bytes(volume.bytes(direction))
                        .throttledOps(volume.throttledOps(direction)).latencySumMicros(volume.latencySumMicros(direction))
                        .iopsLimit(iopsLimit.applyAsLong(volume.volumeId()));
                for (int bucket = 0; bucket < LatencyBuckets.COUNT; bucket++) {
                    batch.latencyBucket(bucket, volume.latencyBucket(direction, bucket));
                }
            }
        }
    }

    /**
     * Holds the reply of the call whose reports were appended last ({@code replyHandle}) until every sample
     * appended so far is posted (batches go in the order they were sealed); false when the caller should
     * answer now. A batch of reports is one call, so one reply held.
     */
    boolean holdReply(long replyHandle) {
        if (caller == null || heldReplies >= MAX_HELD_REPLIES || batch.count() == 0) {
            return false;
        }
        if (gatheringReplyCount == gatheringReplies.length) {
            gatheringReplies = Arrays.copyOf(gatheringReplies, gatheringReplyCount * 2);
        }
        gatheringReplies[gatheringReplyCount++] = replyHandle;
        heldReplies++;
        return true;
    }

    /**
     * True while the database manager is attached and the sealed batches have reached their bound: the
     * services take no more reports until this turns false, which it does as batches are posted.
     */
    boolean full() {
        return caller != null && sealed.size() >= maxPendingBatches;
    }

    /**
     * Waits up to {@code nanos} for the database manager to answer (which frees room), for a loop that
     * has nothing to do while {@link #full()}; returns at once when not attached.
     */
    void awaitReplies(long nanos) {
        if (caller != null) {
            caller.awaitReplies(nanos);
        }
    }

    /** Queues a JSON call ({@code request} is the whole request object); the oldest waiting one goes when full. */
    void call(Map<String, Object> request, ResultHandler onResult) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(request);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not serializable: " + request, e);
        }
        if (calls.size() >= maxPendingCalls) {
            calls.poll();
            droppedCalls++;
        }
        calls.add(new JsonCall(bytes, onResult));
    }

    /** A JSON call whose result does not matter beyond its status. */
    void call(Map<String, Object> request) {
        call(request, (status, result) -> { });
    }

    /**
     * Seals the samples gathered so far into a batch, attaches to the mailbox if it appeared, takes
     * replies and posts what the in-flight bound allows. Returns the work done.
     */
    int doWork() {
        if (batch.count() > 0 && clock.epochMillis() - gatheringSince >= sealAfterMillis) {
            seal();
        }
        if (caller != null && replaced()) {
            detach();
        }
        if (caller == null && !tryAttach()) {
            return 0;
        }
        int work = caller.pollReplies(this::onReply, 64);
        while (batchesInFlight.size() + callsInFlight.size() < maxInFlight && (!calls.isEmpty() || !sealed.isEmpty())) {
            // JSON calls first: they are few, and the startup load and registrations unblock the rest.
            if (!calls.isEmpty()) {
                JsonCall call = calls.peek();
                long id = ++correlation;
                long handle = caller.call(MailboxOpcodes.DB_JSON, 0, id, call.request());
                if (handle == MailboxStatus.MAILBOX_FULL) {
                    break;
                }
                calls.poll();
                if (handle > 0) {
                    callsInFlight.put(id, call);
                } else {
                    droppedCalls++;
                    lastError = "json call refused: " + MailboxStatus.name((int) handle);
                }
            } else {
                SealedBatch next = sealed.peek();
                if (next.notBefore() > clock.epochMillis()) {
                    break;
                }
                long batchId = ByteBuffer.wrap(next.bytes()).getLong(SampleBatchDescriptor.BATCH_ID_OFFSET);
                long handle = caller.call(MailboxOpcodes.DB_APPEND_SAMPLES, SlotFlags.IDEMPOTENT, batchId, next.bytes());
                if (handle == MailboxStatus.MAILBOX_FULL) {
                    break;
                }
                sealed.poll();
                if (handle > 0) {
                    batchesInFlight.put(batchId, next.bytes());
                } else {
                    droppedSamples += next.samples();
                    lastError = "sample batch refused: " + MailboxStatus.name((int) handle);
                }
                release(next.replies());
            }
            work++;
        }
        caller.heartbeat();
        return work;
    }

    /**
     * Every {@link #ATTACH_RETRY_MILLIS}: true when the mailbox file is gone or is another file than the
     * one mapped (the database manager's mailbox was removed and created again).
     */
    private boolean replaced() {
        long now = clock.epochMillis();
        if (now < nextAttachAt) {
            return false;
        }
        nextAttachAt = now + ATTACH_RETRY_MILLIS;
        Object key = fileKey();
        return key == null || !key.equals(attachedKey);
    }

    private Object fileKey() {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Lets go of a mailbox that is no longer the database manager's; what was in flight is sent again. */
    private void detach() {
        lastError = "the database manager's mailbox " + file + " went away; waiting for it";
        releaseAllHeld();
        for (byte[] batch : new java.util.TreeMap<>(batchesInFlight).descendingMap().values()) {
            sealed.addFirst(new SealedBatch(batch, NO_HANDLES));
        }
        batchesInFlight.clear();
        droppedCalls += callsInFlight.size();
        callsInFlight.clear();
        caller.close();
        mailbox.close();
        caller = null;
        mailbox = null;
        nextAttachAt = 0;
        trimSealed();
    }

    private boolean tryAttach() {
        long now = clock.epochMillis();
        if (now < nextAttachAt) {
            return false;
        }
        nextAttachAt = now + ATTACH_RETRY_MILLIS;
        if (!Files.exists(file)) {
            return false;
        }
        try {
            attachedKey = fileKey();
            mailbox = Mailbox.open(file, clock);
            caller = MailboxCaller.attach(mailbox, ServerMailboxes.CALLER_SERVICES);
            ServicesDaemon.logResumption("database manager's mailbox", caller.resumption());
        } catch (RuntimeException e) {
            lastError = "cannot attach to " + file + ": " + e.getMessage();
            if (mailbox != null) {
                mailbox.close();
                mailbox = null;
            }
            return false;
        }
        onAttach.accept(this);
        return true;
    }

    private void onReply(ReplyView reply) {
        if (reply.inherited()) {
            onInheritedReply(reply);
            return;
        }
        if (reply.opcode() == MailboxOpcodes.DB_APPEND_SAMPLES) {
            byte[] sent = batchesInFlight.remove(reply.correlationId());
            if (sent == null) {
                return; // a predecessor's call, finished after it died
            }
            if (reply.status() == CallStatus.OK) {
                storedBatches++;
                lastStoredBatchId = Math.max(lastStoredBatchId, reply.correlationId());
                unknownVolumeRefusals.remove(reply.correlationId());
            } else if (reply.status() == CallStatus.NOT_FOUND) {
                refusedForUnknownVolumes(reply, sent);
            } else if (reply.status() == CallStatus.UNAVAILABLE || reply.status() == MailboxStatus.ABANDONED
                    || reply.status() == MailboxStatus.CALLEE_FAILED) {
                lastError = "sample batch " + reply.correlationId() + ": " + statusName(reply.status()) + "; sent again";
                sealed.addFirst(new SealedBatch(sent, NO_HANDLES));
                trimSealed();
            } else {
                droppedSamples += ByteBuffer.wrap(sent).getInt(SampleBatchDescriptor.COUNT_OFFSET);
                lastError = "sample batch " + reply.correlationId() + " refused: " + statusName(reply.status());
            }
            return;
        }
        JsonCall call = callsInFlight.remove(reply.correlationId());
        if (call == null) {
            return;
        }
        JsonNode result = null;
        if (reply.length() > 0) {
            try {
                result = json.readTree(reply.resultBytes());
            } catch (java.io.IOException e) {
                lastError = "unreadable result from the database manager: " + e.getMessage();
            }
        }
        if (reply.status() != CallStatus.OK) {
            lastError = new String(call.request(), StandardCharsets.UTF_8) + " -> " + statusName(reply.status())
                    + (result == null ? "" : " " + result.path("detail").asText(""));
        }
        call.onResult().onResult(reply.status(), result);
    }

    /** A reply to a call of the services process that held this caller index before; see the class comment. */
    private void onInheritedReply(ReplyView reply) {
        if (reply.opcode() != MailboxOpcodes.DB_APPEND_SAMPLES) {
            inheritedCalls++;
        } else if (reply.status() == CallStatus.OK) {
            inheritedStored++;
            lastStoredBatchId = Math.max(lastStoredBatchId, reply.correlationId());
        } else {
            inheritedLost++;
            lastError = "sample batch " + reply.correlationId() + " of the previous services process: "
                    + statusName(reply.status()) + "; its samples went with that process";
        }
    }

    /** The volumes are registered again and the batch waits for that, a bounded number of times. */
    private void refusedForUnknownVolumes(ReplyView reply, byte[] sent) {
        long batchId = reply.correlationId();
        JsonNode problem = null;
        try {
            problem = json.readTree(reply.resultBytes());
        } catch (java.io.IOException e) {
            // no ids to register: the batch still waits and goes again
        }
        lastError = "sample batch " + batchId + ": " + (problem == null ? "unknown volumes" : problem.path("detail").asText());
        int refusals = unknownVolumeRefusals.merge(batchId, 1, Integer::sum);
        if (refusals > MAX_UNKNOWN_VOLUME_REFUSALS) {
            unknownVolumeRefusals.remove(batchId);
            droppedSamples += ByteBuffer.wrap(sent).getInt(SampleBatchDescriptor.COUNT_OFFSET);
            return;
        }
        if (problem != null) {
            problem.path("volumeIds").forEach(id -> onUnknownVolume.accept(id.asInt()));
        }
        sealed.addLast(new SealedBatch(sent, NO_HANDLES, clock.epochMillis() + UNKNOWN_VOLUME_RETRY_MILLIS));
        trimSealed();
    }

    private static String statusName(int status) {
        return status < 0 ? MailboxStatus.name(status) : CallStatus.name(status);
    }

    private void seal() {
        long batchId = Math.max(lastBatchId + 1, clock.epochMillis() * 1000);
        lastBatchId = batchId;
        staging.putLong(SampleBatchDescriptor.BATCH_ID_OFFSET, batchId);
        byte[] bytes = new byte[batch.length()];
        staging.get(0, bytes);
        sealed.add(new SealedBatch(bytes, gatheringReplyCount == 0 ? NO_HANDLES
                : Arrays.copyOf(gatheringReplies, gatheringReplyCount)));
        gatheringReplyCount = 0;
        trimSealed();
        batch.begin(0);
    }

    /**
     * Keeps the sealed batches within their bound: {@link #maxPendingBatches} while the database manager is
     * absent, twice that while it is attached (the intake stops at the bound, see {@link #full()}). What goes
     * is the oldest, counted and said.
     */
    private void trimSealed() {
        int bound = caller == null ? maxPendingBatches : 2 * maxPendingBatches;
        long dropped = 0;
        while (sealed.size() > bound) {
            SealedBatch oldest = sealed.pollFirst();
            dropped += oldest.samples();
            release(oldest.replies());
        }
        if (dropped > 0) {
            droppedSamples += dropped;
            lastError = dropped + " samples dropped: " + sealed.size() + " batches were waiting for the database manager "
                    + (caller == null ? "(its mailbox " + file + " is absent)" : "(attached, past twice the bound)");
        }
    }

    private void release(long[] replies) {
        for (long reply : replies) {
            releaseReply.accept(reply);
        }
        heldReplies -= replies.length;
    }

    /** Every held reply answered now: the mailbox they were waiting for is gone. */
    private void releaseAllHeld() {
        for (int i = sealed.size(); i > 0; i--) {
            SealedBatch waiting = sealed.pollFirst();
            release(waiting.replies());
            sealed.addLast(new SealedBatch(waiting.bytes(), NO_HANDLES));
        }
        release(Arrays.copyOf(gatheringReplies, gatheringReplyCount));
        gatheringReplyCount = 0;
    }

    /** Report replies held until their samples are posted. */
    int heldReplies() {
        return heldReplies;
    }

    /** Samples waiting (sealed or being gathered), not yet posted. */
    long pendingSamples() {
        long pending = batch.count();
        for (SealedBatch b : sealed) {
            pending += b.samples();
        }
        return pending;
    }

    int pendingCalls() {
        return calls.size();
    }

    int inFlight() {
        return batchesInFlight.size() + callsInFlight.size();
    }

    long lastBatchId() {
        return lastBatchId;
    }

    long droppedSamples() {
        return droppedSamples;
    }

    long droppedCalls() {
        return droppedCalls;
    }

    long storedBatches() {
        return storedBatches;
    }

    /** Sample batches a predecessor posted that the database manager stored after it died. */
    long inheritedStored() {
        return inheritedStored;
    }

    /** Sample batches a predecessor posted that the database manager refused after it died. */
    long inheritedLost() {
        return inheritedLost;
    }

    /** JSON calls of a predecessor whose replies were collected and released. */
    long inheritedCalls() {
        return inheritedCalls;
    }

    String lastError() {
        return lastError;
    }

    @Override
    public void close() {
        if (caller != null) {
            caller.close();
            mailbox.close();
        }
    }
}
