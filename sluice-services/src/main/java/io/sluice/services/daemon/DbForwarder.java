package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.MailboxAttachment;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ReplyView;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import io.sluice.protocol.StatsReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;
import java.util.function.LongConsumer;

/**
 * The services' side of the database manager's mailbox: per-second samples in {@code DB_APPEND_SAMPLES} batches, and
 * JSON calls (compliance verdicts, alerts, discovered gateways, volumes and backends, the startup load of SLAs). It
 * never blocks the services' loop: every call is two-step, replies are taken in {@link #doWork}, at most
 * {@code maxInFlight} calls are outstanding, and what waits is bounded ({@code maxPendingBatches} sealed batches,
 * {@code maxPendingCalls} JSON calls).
 *
 * <p><b>Back-pressure, not loss.</b> While the database manager is attached, a slow one slows the reports
 * ({@link #full()} stops the services' intake) and never makes the forwarder drop a sample it accepted; while it is
 * absent the oldest samples past a bound are dropped, counted and said in {@link #lastError}; see
 * {@link SampleBatcher}. A mailbox file that disappears or is replaced is let go (batches in flight are sent again,
 * JSON calls in flight counted as dropped) and the new one attached when it appears, with the startup load run again.
 *
 * <p>A {@link SampleBatcher} stages, seals and bounds the samples, makes the batch ids (from the clock, so the database
 * manager's de-duplication by id stays sound across restarts) and holds a report's reply until its samples are posted
 * ({@link #onStats} returns true); a {@link MailboxAttachment} attaches the mailbox and notices it replaced. This class
 * posts, takes the replies and decides what one means: a batch refused for a reason that may pass (UNAVAILABLE, an
 * abandoned call) is sent again with the same id; one refused for volumes the database manager does not know
 * (NOT_FOUND) waits while they are registered again, then goes again. The JSON calls wait and fly in a
 * {@link JsonCallQueue}.
 *
 * <p><b>A predecessor's calls</b>, inherited with the caller index, have their replies collected and counted
 * ({@link InheritedDbReplies}), never taken for this process's own.
 *
 * <p>Not thread-safe: the services' loop thread does everything; {@link #status} reads a few volatiles.
 */
final class DbForwarder implements AutoCloseable {
    /** How often the mailbox file is looked for while it does not exist. */
    static final long ATTACH_RETRY_MILLIS = 1_000;
    /** Report replies held at most, a quarter of the services' mailbox slots, so reports keep flowing. */
    static final int MAX_HELD_REPLIES = ServerMailboxes.SERVICES.slotCount() / 4;

    /** How long a batch refused for unregistered volumes waits for their registration before it goes again. */
    static final long UNKNOWN_VOLUME_RETRY_MILLIS = 500;

    /** Registers again a volume the database manager refused samples of because it does not know it. */
    @FunctionalInterface
    interface VolumeRegistrar {
        /** Null while the volume's registration is under way or may yet succeed; else why it never will. */
        String registerAgain(int volumeId);
    }

    private final int maxInFlight;
    private final EpochClock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final MailboxAttachment<MailboxCaller> attachment;
    private final SampleBatcher samples;
    private final JsonCallQueue calls;
    private final Map<Long, byte[]> batchesInFlight = new HashMap<>();
    private Consumer<DbForwarder> onAttach = f -> {};
    private VolumeRegistrar onUnknownVolume = volumeId -> null;
    private volatile long unknownVolumeRefusals;
    private volatile long droppedSamples;
    private volatile long storedBatches;
    private final InheritedDbReplies inherited = new InheritedDbReplies();
    private volatile long lastStoredBatchId;
    private volatile String lastError;

    /**
     * @param sealAfterMillis how long samples gather before they go as a batch (a full batch goes at once), so a busy
     *     loop does not send a batch per report
     * @param releaseReply answers a held report's call (given its mailbox handle)
     */
    DbForwarder(
            Path file,
            EpochClock clock,
            int maxInFlight,
            int maxPendingBatches,
            int maxPendingCalls,
            long sealAfterMillis,
            LongConsumer releaseReply) {
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.calls = new JsonCallQueue(maxPendingCalls, problem -> lastError = problem);
        this.attachment = new MailboxAttachment<>(
                file,
                clock,
                ATTACH_RETRY_MILLIS,
                mailbox -> MailboxCaller.attach(mailbox, ServerMailboxes.CALLER_SERVICES),
                MailboxCaller::close);
        this.samples = new SampleBatcher(
                clock,
                SampleBatchDescriptor.maxSamples(ServerMailboxes.DB.paramCapacity()),
                maxPendingBatches,
                sealAfterMillis,
                MAX_HELD_REPLIES,
                attachment::attached,
                releaseReply,
                this::dropped);
    }

    /** Runs {@code action} each time the database manager's mailbox is (re)attached: the startup load. */
    void onAttach(Consumer<DbForwarder> action) {
        this.onAttach = action;
    }

    /**
     * Called with each volume the database manager refused samples of because nobody registered it (a database manager
     * restarted before a registration of it was stored, say); the services register it again, and the batch goes again
     * every {@link #UNKNOWN_VOLUME_RETRY_MILLIS} until it is stored. It is dropped (counted, said) only if the
     * registrar says one of its volumes can never be registered.
     */
    void onUnknownVolume(VolumeRegistrar registrar) {
        this.onUnknownVolume = registrar;
    }

    boolean attached() {
        return attachment.attached();
    }

    /**
     * One sample per volume and direction of a STATS report, with the IOPS limit in force for the volume. Returns true
     * when the forwarder holds the report's reply ({@code replyHandle}) until the samples are posted; false when the
     * caller should answer now.
     */
    boolean onStats(StatsReader stats, IntToLongFunction iopsLimit, long replyHandle) {
        appendSamples(stats, iopsLimit);
        return holdReply(replyHandle);
    }

    /** One sample per volume and direction of a STATS report, with the IOPS limit in force for the volume. */
    void appendSamples(StatsReader stats, IntToLongFunction iopsLimit) {
        samples.append(stats, iopsLimit);
    }

    /**
     * Holds the reply of the call whose reports were appended last ({@code replyHandle}) until every sample appended so
     * far is posted (batches go in the order they were sealed); false when the caller should answer now. A batch of
     * reports is one call, so one reply held.
     */
    boolean holdReply(long replyHandle) {
        return samples.holdReply(replyHandle);
    }

    /**
     * True while the database manager is attached and the sealed batches have reached their bound: the services take no
     * more reports until this turns false, which it does as batches are posted.
     */
    boolean full() {
        return samples.full();
    }

    /**
     * Waits up to {@code nanos} for the database manager to answer (which frees room), for a loop that has nothing to
     * do while {@link #full()}; returns at once when not attached.
     */
    void awaitReplies(long nanos) {
        if (attachment.attached()) {
            attachment.end().awaitReplies(nanos);
        }
    }

    /** Queues a JSON call ({@code request} is the whole request object); the oldest waiting one goes when full. */
    void call(Map<String, Object> request, JsonCallQueue.ResultHandler onResult) {
        calls.add(request, onResult);
    }

    /** A JSON call whose result does not matter beyond its status. */
    void call(Map<String, Object> request) {
        call(request, (status, result) -> {});
    }

    /**
     * Seals the samples gathered so far into a batch, attaches to the mailbox if it appeared, takes replies and posts
     * what the in-flight bound allows. Returns the work done.
     */
    int doWork() {
        samples.sealIfDue();
        if (attachment.replaced()) {
            detach();
        }
        if (!attachment.attached()) {
            if (!attachment.tryAttach(problem -> lastError = problem)) {
                return 0;
            }
            ServicesDaemon.logResumption(
                    "database manager's mailbox", attachment.end().resumption());
            onAttach.accept(this);
        }
        MailboxCaller caller = attachment.end();
        int work = caller.pollReplies(this::onReply, 64);
        while (inFlight() < maxInFlight && (!calls.isEmpty() || samples.next() != null)) {
            // JSON calls first: they are few, and the startup load and registrations unblock the rest.
            if (!calls.isEmpty()) {
                if (!calls.postNext(caller)) {
                    break;
                }
            } else {
                SampleBatcher.SealedBatch next = samples.next();
                if (next.notBefore() > clock.epochMillis()) {
                    break;
                }
                long batchId = next.batchId();
                long handle =
                        caller.call(MailboxOpcodes.DB_APPEND_SAMPLES, SlotFlags.IDEMPOTENT, batchId, next.bytes());
                if (handle == MailboxStatus.MAILBOX_FULL) {
                    break;
                }
                if (handle > 0) {
                    batchesInFlight.put(batchId, next.bytes());
                } else {
                    droppedSamples += next.samples();
                    lastError = "sample batch refused: " + MailboxStatus.name((int) handle);
                }
                samples.removeNext();
            }
            work++;
        }
        caller.heartbeat();
        return work;
    }

    /** Lets go of a mailbox that is no longer the database manager's; what was in flight is sent again. */
    private void detach() {
        lastError = "the database manager's mailbox " + attachment.file() + " went away; waiting for it";
        calls.detached();
        attachment.detach();
        samples.detached(new TreeMap<>(batchesInFlight).descendingMap().values());
        batchesInFlight.clear();
    }

    private void onReply(ReplyView reply) {
        if (reply.inherited()) {
            lastStoredBatchId = Math.max(lastStoredBatchId, inherited.onReply(reply, problem -> lastError = problem));
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
            } else if (reply.status() == CallStatus.NOT_FOUND) {
                refusedForUnknownVolumes(reply, sent);
            } else if (reply.status() == CallStatus.UNAVAILABLE
                    || reply.status() == MailboxStatus.ABANDONED
                    || reply.status() == MailboxStatus.CALLEE_FAILED) {
                lastError =
                        "sample batch " + reply.correlationId() + ": " + statusName(reply.status()) + "; sent again";
                samples.again(sent);
            } else {
                droppedSamples += SampleBatcher.samplesOf(sent);
                lastError = "sample batch " + reply.correlationId() + " refused: " + statusName(reply.status());
            }
            return;
        }
        calls.onReply(reply);
    }

    /**
     * The batch's volumes are registered again and the batch waits for that: it goes again after
     * {@link #UNKNOWN_VOLUME_RETRY_MILLIS}, as often as it takes, and counts toward the sealed batches' bound (so a
     * database manager slow to learn the volumes slows the reports, as a slow one does). Dropped only when one of its
     * volumes can never be registered.
     */
    private void refusedForUnknownVolumes(ReplyView reply, byte[] sent) {
        long batchId = reply.correlationId();
        JsonNode problem = null;
        try {
            problem = json.readTree(reply.resultBytes());
        } catch (IOException e) {
            // no ids to register: the batch still waits and goes again
        }
        unknownVolumeRefusals++;
        if (problem != null) {
            for (JsonNode id : problem.path("volumeIds")) {
                String never = onUnknownVolume.registerAgain(id.asInt());
                if (never != null) {
                    droppedSamples += SampleBatcher.samplesOf(sent);
                    lastError = "sample batch " + batchId + " dropped: the database manager does not know volume "
                            + id.asInt() + ", which cannot be registered: " + never;
                    return;
                }
            }
        }
        lastError = "sample batch " + batchId + " waits for its volumes to be registered with the database manager ("
                + (problem == null ? "unknown volumes" : problem.path("detail").asText()) + "); "
                + unknownVolumeRefusals + " refusals for unknown volumes so far";
        samples.againAfter(sent, clock.epochMillis() + UNKNOWN_VOLUME_RETRY_MILLIS);
    }

    static String statusName(int status) {
        return status < 0 ? MailboxStatus.name(status) : CallStatus.name(status);
    }

    /** Samples the batcher dropped for its bound: counted and said. */
    private void dropped(long count, int batchesWaiting) {
        droppedSamples += count;
        lastError = count + " samples dropped: " + batchesWaiting + " batches were waiting for the database manager "
                + (attachment.attached()
                        ? "(attached, past twice the bound)"
                        : "(its mailbox " + attachment.file() + " is absent)");
    }

    /** Report replies held until their samples are posted. */
    int heldReplies() {
        return samples.heldReplies();
    }

    /** Samples waiting (sealed or being gathered), not yet posted. */
    long pendingSamples() {
        return samples.pendingSamples();
    }

    int pendingCalls() {
        return calls.waiting();
    }

    int inFlight() {
        return batchesInFlight.size() + calls.inFlight();
    }

    long lastBatchId() {
        return samples.lastBatchId();
    }

    long droppedSamples() {
        return droppedSamples;
    }

    long droppedCalls() {
        return calls.dropped();
    }

    /**
     * Sample batches the database manager refused for volumes it did not know, each sent again once they were
     * registered.
     */
    long unknownVolumeRefusals() {
        return unknownVolumeRefusals;
    }

    long storedBatches() {
        return storedBatches;
    }

    /** Sample batches a predecessor posted that the database manager stored after it died. */
    long inheritedStored() {
        return inherited.stored();
    }

    /** Sample batches a predecessor posted that the database manager refused after it died. */
    long inheritedLost() {
        return inherited.lost();
    }

    /** JSON calls of a predecessor whose replies were collected and released. */
    long inheritedCalls() {
        return inherited.calls();
    }

    String lastError() {
        return lastError;
    }

    @Override
    public void close() {
        attachment.close();
    }
}
