package io.sluice.db.mailbox;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.EpochClock;
import io.sluice.common.SignalIdleStrategy;
import io.sluice.db.ingest.SampleIngestor;
import io.sluice.db.json.DbProblem;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.json.Problems;
import io.sluice.db.store.CallCancellation;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.SampleBatch;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The callee loop of the {@code db} mailbox, on one platform thread that never waits for the database: it checks each
 * call, copies its parameters out of the slot, defers it and hands it on: sample batches to the {@link SampleIngestor},
 * JSON calls to a virtual thread each. Whoever finishes the work completes the deferred call. Between calls the thread
 * beats the callee's heart and sleeps on the mailbox's doorbell. An {@link Agent} ({@code db-mailbox}) on an
 * {@link AgentRunner} that {@link #start} starts; a test turns it by hand instead.
 */
public final class DbEndpoint implements Agent, AutoCloseable {
    /** The loop's thread and its watch. */
    public static final String ROLE_NAME = "db-mailbox";

    private static final System.Logger LOG = System.getLogger(DbEndpoint.class.getName());
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final MailboxCallee callee;
    private final JsonCalls json;
    private final BatchCheck check;
    private final ExecutorService jsonThreads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("db-json-", 0).factory());
    private final AgentRunner runner;
    private SampleIngestor ingestor;

    public DbEndpoint(MailboxCallee callee, JsonCalls json, int maxSamplesPerBatch, KnownVolumes knownVolumes) {
        this.callee = callee;
        this.json = json;
        this.check = new BatchCheck(maxSamplesPerBatch, knownVolumes);
        this.runner = new AgentRunner(
                this, new SignalIdleStrategy(0, IDLE_WAIT_NANOS, callee::awaitRequests), EpochClock.system());
    }

    /** Completes a deferred call from any thread: OK with {@code result}, or a problem's status and JSON. */
    public void complete(long handle, int status, byte[] result) {
        int rc = callee.complete(handle, status, result.length == 0 ? ParamWriter.EMPTY : ParamWriter.of(result));
        if (rc != 0) {
            // The caller revoked the call or recovery gave it away; nobody is waiting for this answer.
            LOG.log(System.Logger.Level.DEBUG, "answer to a call that is gone: " + MailboxStatus.name(rc));
        }
    }

    /** The ingestion thread's completion of a batch. */
    public void completeBatch(long handle, int status, String detail) {
        complete(handle, status, status == CallStatus.OK ? new byte[0] : Problems.toJson(problemFor(status, detail)));
    }

    private static DbProblem problemFor(int status, String detail) {
        return switch (status) {
            case CallStatus.UNAVAILABLE -> DbProblem.unavailable(detail);
            case CallStatus.TOO_LARGE -> DbProblem.tooLarge(detail);
            case CallStatus.INVALID -> DbProblem.invalid("", "batch", detail);
            default -> DbProblem.internal(detail);
        };
    }

    /** Starts serving once the ingestor that answers batches exists. */
    public void start(SampleIngestor sampleIngestor) {
        this.ingestor = sampleIngestor;
        runner.start();
    }

    /**
     * One turn: the calls waiting (64 at most), then the callee's heartbeat and recovery sweep; returns calls taken.
     */
    @Override
    public int doWork(long nowMillis) {
        int taken = callee.poll(this::onRequest, 64);
        callee.doHousekeeping();
        return taken;
    }

    @Override
    public String roleName() {
        return ROLE_NAME;
    }

    /** Null while the loop runs (or before it starts); else why it stopped, for the role's exit. */
    public String problem() {
        return runner.problem(System.nanoTime(), Long.MAX_VALUE);
    }

    private void onRequest(MailboxCallee.Request request) {
        switch (request.opcode()) {
            case MailboxOpcodes.DB_APPEND_SAMPLES -> appendSamples(request);
            case MailboxOpcodes.DB_JSON -> {
                byte[] body = copy(request.params(), request.length());
                long handle = request.defer();
                jsonThreads.execute(() -> {
                    // A call revoked while it waited for a worker, or before its transaction commits, is
                    // not carried out: its caller learns CANCELLED, without the EXECUTED flag.
                    JsonCalls.Answer answer = callee.isCancelRequested(handle)
                            ? new JsonCalls.Answer(MailboxStatus.CANCELLED, new byte[0])
                            : CallCancellation.during(() -> callee.isCancelRequested(handle), () -> json.call(body));
                    if (answer.status() != CallStatus.OK && callee.isCancelRequested(handle)) {
                        // Each op is one transaction, so an error rolled it back: the revoked call did not happen.
                        answer = new JsonCalls.Answer(MailboxStatus.CANCELLED, new byte[0]);
                    }
                    complete(handle, answer.status(), answer.json());
                });
            }
            default ->
                refuse(
                        request,
                        DbProblem.unknownOp("opcode 0x" + Integer.toHexString(request.opcode())
                                + " is not served by the database manager"));
        }
    }

    private void appendSamples(MailboxCallee.Request request) {
        int length = request.length();
        ByteBuffer view = request.params().asSlice(0, length).asByteBuffer();
        int status = check.check(view, length);
        if (status == CallStatus.NOT_FOUND) {
            refuse(request, DbProblem.unknownVolumes(check.problem(), check.unknownVolumes()));
            return;
        }
        if (status != CallStatus.OK) {
            refuse(request, problemFor(status, check.problem()));
            return;
        }
        SampleBatch batch = SampleBatch.of(request.callerIndex(), copy(request.params(), length));
        if (batch.sampleCount() == 0) {
            request.reply(CallStatus.OK, ParamWriter.EMPTY);
            return;
        }
        long handle = request.defer();
        if (!ingestor.offer(batch, handle)) {
            completeBatch(handle, CallStatus.UNAVAILABLE, "the ingestion buffer is full; retry");
        }
    }

    private static void refuse(MailboxCallee.Request request, DbProblem problem) {
        request.reply(problem.status(), ParamWriter.of(Problems.toJson(problem)));
    }

    private static byte[] copy(MemorySegment params, int length) {
        return params.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Stops taking calls; JSON calls in flight finish and are answered. */
    @Override
    public void close() throws InterruptedException {
        runner.close();
        jsonThreads.shutdown();
        if (!jsonThreads.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.log(System.Logger.Level.WARNING, "JSON calls still running at close");
        }
    }
}
