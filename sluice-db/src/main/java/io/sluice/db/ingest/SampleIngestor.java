package io.sluice.db.ingest;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.Resolution;
import io.sluice.db.store.RollupRepository;
import io.sluice.db.store.SampleBatch;
import io.sluice.db.store.SampleRepository;
import io.sluice.db.store.SqlStates;
import io.sluice.protocol.CallStatus;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The ingestion agent ({@code db-ingest}, on a runner of its own): takes sample batches the mailbox loop deferred,
 * stores several per transaction and acknowledges each once it is durable.
 *
 * <p>Healthy: batches go to the database and are acknowledged after the commit. When a store fails, or the server does
 * not answer within {@code storeTimeoutMillis}, the thread turns degraded: that group and every batch after it are
 * appended to the {@link SampleJournal} and acknowledged once synced, in arrival order, so the database never gets a
 * batch out of turn. Every {@code retryMillis} the thread tries to move the journal into the database, a chunk per
 * transaction; when the journal is empty again it clears it and is healthy. Memory holds at most
 * {@code maxBufferedSamples} samples waiting for this thread; beyond that, and when the journal is full too, callers
 * get UNAVAILABLE and retry. Closing stores or journals every batch queued before it.
 */
public final class SampleIngestor implements Agent, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SampleIngestor.class.getName());
    /** Journal chunks stored per turn of the loop before new batches are looked at again. */
    static final int DRAIN_CHUNKS = 4;
    /** The pause after a turn without work; a batch offered cuts it short. */
    private static final long IDLE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The pause while the journal holds samples: its next drain starts within this of {@code retryMillis}. */
    private static final long DRAIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long closing waits for what is queued to be stored or journaled. */
    private static final long CLOSE_JOIN_MILLIS = 10_000;

    private final Database database;
    private final SampleRepository samples;
    private final SampleJournal journal;
    private final SampleJournal rejected;
    private final BatchCompletion completion;
    private final EpochClock clock;
    private final long maxBufferedSamples;
    private final int samplesPerTransaction;
    private final long retryMillis;
    private final int storeTimeoutMillis;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AgentRunner runner;
    /** The minute-rows layout's memory, or null (every batch goes to samples_1s). */
    private final OpenMinutes minutes;

    private volatile boolean degraded;
    private volatile String lastError;
    private long nextDrainAt;
    private long drainPosition;

    /**
     * With {@code minutes}, accepted batches go to the open minutes and their journal instead of samples_1s (the
     * minute-rows layout; null for the rows layout); the degraded-mode journal of an earlier run is still drained into
     * samples_1s.
     */
    public SampleIngestor(
            Database database,
            SampleJournal journal,
            SampleJournal rejected,
            BatchCompletion completion,
            EpochClock clock,
            long maxBufferedSamples,
            int samplesPerTransaction,
            long retryMillis,
            int storeTimeoutMillis,
            OpenMinutes minutes) {
        this.minutes = minutes;
        this.database = database;
        this.samples = new SampleRepository(database.engine());
        this.journal = journal;
        this.rejected = rejected;
        this.completion = completion;
        this.clock = clock;
        this.maxBufferedSamples = maxBufferedSamples;
        this.samplesPerTransaction = samplesPerTransaction;
        this.retryMillis = retryMillis;
        this.storeTimeoutMillis = storeTimeoutMillis;
        // What a previous run journaled is replayed first; until then the database may lack it.
        this.degraded = !journal.isEmpty();
        this.runner = new AgentRunner(this, this::pause, clock, CLOSE_JOIN_MILLIS);
    }

    /** Starts storing what is offered; returns this. */
    public SampleIngestor start() {
        runner.start();
        return this;
    }

    /**
     * Queues a batch for storing; false when the memory buffer is full (the caller answers UNAVAILABLE). Called by the
     * mailbox thread; never blocks.
     */
    public boolean offer(SampleBatch batch, long handle) {
        int count = batch.sampleCount();
        long waiting = buffered.get();
        // One producer (the mailbox thread): the count only shrinks between this check and the add.
        if (waiting > 0 && waiting + count > maxBufferedSamples) {
            return false;
        }
        buffered.addAndGet(count);
        queue.add(new Pending(batch, handle));
        runner.wake();
        return true;
    }

    public IngestionStatus status() {
        return new IngestionStatus(degraded, buffered.get(), journal.samples(), stored.get(), lastError);
    }

    /** One group of queued batches stored or journaled, then a round of the journal's drain when one is due. */
    @Override
    public int doWork(long nowMillis) {
        int work = 0;
        List<Pending> group = new ArrayList<>();
        try {
            Pending first = queue.poll();
            if (first != null) {
                group.add(first);
                int count = first.batch.sampleCount();
                Pending next;
                while (count < samplesPerTransaction && (next = queue.poll()) != null) {
                    group.add(next);
                    count += next.batch.sampleCount();
                }
                handle(group);
                buffered.addAndGet(-count);
                work += group.size();
                // Answered: a failure of the drain below must not answer them again.
                group.clear();
            }
            // Interleaved with new batches (which go to the journal meanwhile), so steady load
            // cannot starve the drain.
            if (!journal.isEmpty() && nowMillis >= nextDrainAt) {
                drainJournal();
                work++;
            }
            if (minutes != null) {
                minutes.dropWritten();
            }
        } catch (IOException e) {
            // Only the deletion of written minutes' segments throws it: they are retried next turn.
            lastError = "minute journal: " + e;
        } catch (RuntimeException e) {
            // Never let one bad group end ingestion: answer it and go on.
            LOG.log(System.Logger.Level.ERROR, "ingestion failed", e);
            lastError = e.toString();
            for (Pending p : group) {
                completion.complete(p.handle, CallStatus.INTERNAL, e.toString());
            }
            work += group.size();
        }
        return work;
    }

    /**
     * Every batch offered before closing is still stored or journaled and answered: each was acknowledged to nobody
     * yet, and its caller waits for the answer.
     */
    @Override
    public void onClose() {
        while (!queue.isEmpty()) {
            doWork(clock.epochMillis());
        }
    }

    @Override
    public String roleName() {
        return "db-ingest";
    }

    /** The runner's idle strategy, on the agent's thread (which owns the journal); an unpark ends the pause early. */
    private void pause(int work) {
        if (work <= 0) {
            LockSupport.parkNanos(this, journal.isEmpty() ? IDLE_PAUSE_NANOS : DRAIN_PAUSE_NANOS);
        }
    }

    private void handle(List<Pending> group) {
        List<SampleBatch> batches = new ArrayList<>(group.size());
        for (Pending p : group) {
            batches.add(p.batch);
        }
        if (minutes != null) {
            holdInMinutes(group, batches);
            return;
        }
        if (!degraded && journal.isEmpty()) {
            try {
                int fresh = database.inTransaction(
                        c -> samples.append(c, batches, clock.epochMillis()), storeTimeoutMillis);
                stored.addAndGet(fresh);
                acknowledge(group, CallStatus.OK, null);
                return;
            } catch (SQLException e) {
                turnDegraded(e);
            }
        }
        journalAndAcknowledge(group, batches);
    }

    /**
     * The minute-rows layout: the batches not seen before (held in memory, or their ids in the database) go to their
     * open minutes and the minutes' journal segments, synced before every batch of the group is answered OK. Until the
     * database has said where the minutes are written up to (the first group after start), a sample's minute cannot be
     * told on time or late, so the group is answered UNAVAILABLE while the database cannot be reached.
     */
    private void holdInMinutes(List<Pending> group, List<SampleBatch> batches) {
        try {
            if (!minutes.started()) {
                Long mark = database.inTransaction(
                        c -> new RollupRepository().doneUntil(c, Resolution.MINUTE), storeTimeoutMillis);
                minutes.start(mark == null ? Long.MIN_VALUE : mark, clock.epochMillis());
            }
        } catch (SQLException e) {
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            acknowledge(group, CallStatus.UNAVAILABLE, "database unreachable since start: " + e.getMessage());
            return;
        }
        List<SampleBatch> fresh = new ArrayList<>(batches.size());
        boolean lookUp = false;
        long now = clock.epochMillis();
        for (SampleBatch batch : batches) {
            if (!minutes.holds(batch.source(), batch.batchId()) && !SampleRepository.containsId(fresh, batch)) {
                fresh.add(batch);
                lookUp |= minutes.mayBeStored(batch, now);
            }
        }
        List<SampleBatch> unseen = fresh;
        if (lookUp) {
            try {
                unseen = database.inTransaction(c -> samples.unseen(c, fresh), storeTimeoutMillis);
            } catch (SQLException e) {
                // Its minute may be written already, so holding it could store it twice: the caller offers it again.
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                acknowledge(
                        group,
                        CallStatus.UNAVAILABLE,
                        "cannot tell a batch offered again from a new one: " + e.getMessage());
                return;
            }
        }
        try {
            minutes.accept(unseen, clock.epochMillis());
            long count = 0;
            for (SampleBatch batch : unseen) {
                count += batch.sampleCount();
            }
            stored.addAndGet(count);
            acknowledge(group, CallStatus.OK, null);
        } catch (IOException e) {
            lastError = "minute journal: " + e;
            acknowledge(group, CallStatus.UNAVAILABLE, "the minute journal failed: " + e.getMessage());
        }
    }

    private void journalAndAcknowledge(List<Pending> group, List<SampleBatch> batches) {
        if (!journal.hasRoomFor(batches)) {
            acknowledge(group, CallStatus.UNAVAILABLE, "database unavailable and the journal is full");
            return;
        }
        try {
            journal.append(batches);
            acknowledge(group, CallStatus.OK, null);
        } catch (IOException e) {
            lastError = "journal: " + e;
            acknowledge(
                    group, CallStatus.UNAVAILABLE, "database unavailable and the journal failed: " + e.getMessage());
        }
    }

    /**
     * Moves up to {@link #DRAIN_CHUNKS} chunks of the journal into the database, one transaction each, then lets the
     * loop answer new batches; empties the journal once it is all stored.
     */
    private void drainJournal() {
        try {
            for (int i = 0; i < DRAIN_CHUNKS && drainPosition < journal.end(); i++) {
                SampleJournal.Chunk chunk = journal.read(drainPosition, samplesPerTransaction);
                storeChunk(chunk.batches());
                drainPosition = chunk.next();
            }
            if (drainPosition < journal.end()) {
                return;
            }
            journal.clear();
            drainPosition = 0;
            degraded = false;
            lastError = null;
            LOG.log(System.Logger.Level.INFO, "journal drained; storing directly again");
        } catch (SQLException e) {
            turnDegraded(e);
        } catch (IOException e) {
            lastError = "journal: " + e;
            nextDrainAt = clock.epochMillis() + retryMillis;
        }
    }

    /**
     * Stores a chunk of the journal in one transaction. If the database refuses it for a reason other than being
     * unreachable, the batches are stored one by one and a batch the database refuses on its own is moved to the
     * rejected journal (kept on disk, logged), so one bad batch cannot hold up the drain forever.
     */
    private void storeChunk(List<SampleBatch> batches) throws SQLException, IOException {
        try {
            stored.addAndGet(
                    database.inTransaction(c -> samples.append(c, batches, clock.epochMillis()), storeTimeoutMillis));
            return;
        } catch (SQLException e) {
            if (!isRefusal(e)) {
                throw e;
            }
        }
        for (SampleBatch batch : batches) {
            try {
                stored.addAndGet(database.inTransaction(
                        c -> samples.append(c, List.of(batch), clock.epochMillis()), storeTimeoutMillis));
            } catch (SQLException e) {
                if (!isRefusal(e)) {
                    throw e;
                }
                rejected.append(List.of(batch));
                LOG.log(
                        System.Logger.Level.ERROR,
                        "batch " + batch.batchId() + " of caller " + batch.source()
                                + " refused by the database, kept in " + rejected + ": " + e.getMessage());
            }
        }
    }

    /** A statement the database will refuse however often it is retried (SQLSTATE class 22 or 23). */
    private static boolean isRefusal(SQLException e) {
        if (SqlStates.isConnectionFailure(e)) {
            return false;
        }
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private void turnDegraded(SQLException e) {
        if (!degraded) {
            LOG.log(System.Logger.Level.WARNING, "database write failed, journaling samples: " + e);
        }
        degraded = true;
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        nextDrainAt = clock.epochMillis() + retryMillis;
    }

    private void acknowledge(List<Pending> group, int status, String detail) {
        for (Pending p : group) {
            completion.complete(p.handle, status, detail);
        }
    }

    @Override
    public void close() throws InterruptedException {
        runner.close();
    }

    private record Pending(SampleBatch batch, long handle) {}
}
