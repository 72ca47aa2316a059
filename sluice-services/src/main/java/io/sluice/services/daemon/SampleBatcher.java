package io.sluice.services.daemon;

import io.sluice.common.EpochClock;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.LatencyBuckets;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.SampleBatchFlyweight;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.VolumeStatsFlyweight;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.IntToLongFunction;
import java.util.function.LongConsumer;

/**
 * The per-second samples on their way to the database manager: staged one per volume and direction in a
 * {@code DB_APPEND_SAMPLES} batch, sealed when the batch is full or {@code sealAfterMillis} old, kept sealed within a
 * bound until the {@link DbForwarder} posts them, and the report replies held until their samples are posted.
 *
 * <p><b>Back-pressure, not loss.</b> While the database manager is attached and its mailbox takes the batches slower
 * than reports bring samples, the sealed batches reach {@code maxPendingBatches} and the batcher (so the forwarder)
 * says it is {@link #full()}: the services then take no more reports from their mailbox until it has room again, so the
 * reports wait in that mailbox (shared memory); once half of it waits the monitor stops polling, and the gateways carry
 * their counters into the report they send when asked again (the monitor's {@code ServicesLink.behind}). A slow
 * database manager therefore slows the reports; it never makes the batcher drop a sample it accepted. One turn of
 * intake may go past the bound (the services take up to 256 reports a turn, about 18 batches), so the batcher drops
 * only beyond twice the bound, which the intake cannot reach; if it ever does, the drop is told to the forwarder, which
 * counts and says it. While the database manager is absent (no mailbox file, or one let go), there is nobody to push
 * back for, and the services keep controlling: samples pile up to {@code maxPendingBatches} and then the oldest are
 * dropped, told to the forwarder, which counts and says them.
 *
 * <p>A report's samples are only safe once their batch is posted into the database manager's mailbox (shared memory
 * that outlives this process). So while that mailbox is attached, the batcher holds the report's reply and releases it
 * when the batch is posted: a services process killed before that never answered the report, and the monitor's
 * idempotent call is delivered again to its successor. A batch that cannot be posted (mailbox absent, let go, call
 * refused, dropped for the bound) releases its replies at once, and at most {@code maxHeldReplies} are held, so the
 * control loop never waits for the database. A batch the database manager refuses after it was posted (UNAVAILABLE,
 * abandoned, volumes it does not know) is back in this process's memory alone until it is posted again ({@link #again},
 * {@link #againAfter}: first in line); while it waits for its volumes' registration the batches behind it are not
 * posted, so their replies stay held. A services process killed in that window loses the refused batches' samples only
 * (at most the batches in flight when the refusals came).
 *
 * <p>Batch ids come from the clock ({@code epoch ms x 1000}, then one more than the last), so a restarted services
 * process continues above the ids its predecessor used.
 *
 * <p>Not thread-safe: the services' loop thread does everything.
 */
final class SampleBatcher {
    static final long[] NO_HANDLES = new long[0];

    /**
     * A batch sealed and waiting to be posted (not before {@code notBefore}), with the replies of the reports in it.
     */
    record SealedBatch(byte[] bytes, long[] replies, long notBefore) {
        SealedBatch(byte[] bytes, long[] replies) {
            this(bytes, replies, 0);
        }

        int samples() {
            return samplesOf(bytes);
        }

        long batchId() {
            return ByteBuffer.wrap(bytes).getLong(SampleBatchDescriptor.BATCH_ID_OFFSET);
        }
    }

    /** Told of samples dropped for the bound, and how many batches still wait. */
    @FunctionalInterface
    interface DropListener {
        void onDropped(long samples, int batchesWaiting);
    }

    private final EpochClock clock;
    private final int maxPendingBatches;
    private final long sealAfterMillis;
    private final int maxHeldReplies;
    private final BooleanSupplier attached;
    private final LongConsumer releaseReply;
    private final DropListener onDropped;
    private final int batchCapacity;
    private final ByteBuffer staging;
    private final SampleBatchFlyweight batch = new SampleBatchFlyweight();
    private final ArrayDeque<SealedBatch> sealed = new ArrayDeque<>();
    private long gatheringSince;
    private long lastBatchId;
    private long[] gatheringReplies = new long[64];
    private int gatheringReplyCount;
    private int heldReplies;

    /**
     * @param batchCapacity samples per batch at most
     * @param sealAfterMillis how long samples gather before they go as a batch (a full batch goes at once), so a busy
     *     loop does not send a batch per report
     * @param maxHeldReplies report replies held at most, so reports keep flowing
     * @param attached whether the database manager's mailbox is attached: replies are held and the bound doubled only
     *     then
     * @param releaseReply answers a held report's call (given its mailbox handle)
     */
    SampleBatcher(
            EpochClock clock,
            int batchCapacity,
            int maxPendingBatches,
            long sealAfterMillis,
            int maxHeldReplies,
            BooleanSupplier attached,
            LongConsumer releaseReply,
            DropListener onDropped) {
        this.clock = clock;
        this.batchCapacity = batchCapacity;
        this.maxPendingBatches = maxPendingBatches;
        this.sealAfterMillis = sealAfterMillis;
        this.maxHeldReplies = maxHeldReplies;
        this.attached = attached;
        this.releaseReply = releaseReply;
        this.onDropped = onDropped;
        this.staging = ByteBuffer.allocate(SampleBatchDescriptor.batchLength(batchCapacity));
        batch.wrap(staging, 0).begin(0);
    }

    static int samplesOf(byte[] batchBytes) {
        return ByteBuffer.wrap(batchBytes).getInt(SampleBatchDescriptor.COUNT_OFFSET);
    }

    /** One sample per volume and direction of a STATS report, with the IOPS limit in force for the volume. */
    void append(StatsReader stats, IntToLongFunction iopsLimit) {
        for (int i = 0; i < stats.volumeCount(); i++) {
            VolumeStatsFlyweight volume = stats.volume(i);
            for (IoDirection direction : IoDirection.values()) {
                if (batch.count() == batchCapacity) {
                    seal();
                }
                if (batch.count() == 0) {
                    gatheringSince = clock.epochMillis();
                }
                batch.append()
                        .volumeId(volume.volumeId())
                        .direction(direction)
                        .gatewayId(stats.gatewayId())
                        .intervalStartMillis(stats.intervalStartMillis())
                        .intervalLengthMillis(stats.intervalMillis())
                        .queueDepth(volume.queueDepth())
                        .ops(volume.ops(direction))
                        .bytes(volume.bytes(direction))
                        .throttledOps(volume.throttledOps(direction))
                        .latencySumMicros(volume.latencySumMicros(direction))
                        .iopsLimit(iopsLimit.applyAsLong(volume.volumeId()));
                for (int bucket = 0; bucket < LatencyBuckets.COUNT; bucket++) {
                    batch.latencyBucket(bucket, volume.latencyBucket(direction, bucket));
                }
            }
        }
    }

    /**
     * Holds the reply of the call whose reports were appended last ({@code replyHandle}) until every sample appended so
     * far is posted (batches go in the order they were sealed); false when the caller should answer now: nothing to
     * post it to, as many held as allowed, or nothing staged.
     */
    boolean holdReply(long replyHandle) {
        if (!attached.getAsBoolean() || heldReplies >= maxHeldReplies || batch.count() == 0) {
            return false;
        }
        if (gatheringReplyCount == gatheringReplies.length) {
            gatheringReplies = Arrays.copyOf(gatheringReplies, gatheringReplyCount * 2);
        }
        gatheringReplies[gatheringReplyCount++] = replyHandle;
        heldReplies++;
        return true;
    }

    /** True while attached and the sealed batches have reached their bound. */
    boolean full() {
        return attached.getAsBoolean() && sealed.size() >= maxPendingBatches;
    }

    /** Seals what was staged once it has gathered for {@code sealAfterMillis}. */
    void sealIfDue() {
        if (batch.count() > 0 && clock.epochMillis() - gatheringSince >= sealAfterMillis) {
            seal();
        }
    }

    /** The oldest sealed batch, or null. */
    SealedBatch next() {
        return sealed.peek();
    }

    /** The oldest sealed batch has been posted, or given up: it goes, and the replies it held are answered. */
    void removeNext() {
        release(sealed.poll().replies());
    }

    /** A batch posted and not stored for a reason that may pass: it goes again first. */
    void again(byte[] bytes) {
        sealed.addFirst(new SealedBatch(bytes, NO_HANDLES));
        trim();
    }

    /**
     * A batch posted and refused for now (volumes the database manager does not know yet): it goes again first, not
     * before {@code notBefore}, and the batches behind it wait for it unposted. Their reports' replies stay held
     * meanwhile, so the samples of a services process killed while the database manager learns the volumes are
     * delivered again to its successor; only the refused batch's replies were answered (when it was posted).
     */
    void againAfter(byte[] bytes, long notBefore) {
        sealed.addFirst(new SealedBatch(bytes, NO_HANDLES, notBefore));
        trim();
    }

    /**
     * The mailbox the batches in flight ({@code inFlightNewestFirst}) were posted to is gone: every held reply is
     * answered now, and those batches wait again, oldest first, ahead of the others. Called once detached.
     */
    void detached(Iterable<byte[]> inFlightNewestFirst) {
        releaseAllHeld();
        for (byte[] bytes : inFlightNewestFirst) {
            sealed.addFirst(new SealedBatch(bytes, NO_HANDLES));
        }
        trim();
    }

    private void seal() {
        long batchId = Math.max(lastBatchId + 1, clock.epochMillis() * 1000);
        lastBatchId = batchId;
        staging.putLong(SampleBatchDescriptor.BATCH_ID_OFFSET, batchId);
        byte[] bytes = new byte[batch.length()];
        staging.get(0, bytes);
        sealed.add(new SealedBatch(
                bytes, gatheringReplyCount == 0 ? NO_HANDLES : Arrays.copyOf(gatheringReplies, gatheringReplyCount)));
        gatheringReplyCount = 0;
        trim();
        batch.begin(0);
    }

    /**
     * Keeps the sealed batches within their bound: {@code maxPendingBatches} while the database manager is absent,
     * twice that while it is attached (the intake stops at the bound, see {@link #full()}). What goes is the oldest,
     * told to the drop listener.
     */
    private void trim() {
        int bound = attached.getAsBoolean() ? 2 * maxPendingBatches : maxPendingBatches;
        long dropped = 0;
        while (sealed.size() > bound) {
            SealedBatch oldest = sealed.pollFirst();
            dropped += oldest.samples();
            release(oldest.replies());
        }
        if (dropped > 0) {
            onDropped.onDropped(dropped, sealed.size());
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

    long lastBatchId() {
        return lastBatchId;
    }
}
