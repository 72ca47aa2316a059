package io.sluice.mailbox;

import io.sluice.common.Agent;
import io.sluice.common.AgentRunner;
import io.sluice.common.SignalIdleStrategy;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Future-based calls over a {@link MailboxCaller}, for code that is not on a hot path (REST handlers, the database
 * manager, tools). {@link #call} returns at once; a reply thread sleeps on this caller's doorbell and completes the
 * futures. Safe for use from any number of threads.
 *
 * <p>Correlation ids are unique per caller index across restarts (they start from the attach time), so after a restart
 * {@link #reattach} finds an earlier incarnation's calls. What becomes of an earlier incarnation's replies that nobody
 * re-attaches to is the client's choice at birth: {@link #attach} keeps them (at most one per inherited call) until
 * someone does; {@link #resume} hands each to a handler as it arrives and keeps nothing, which is what a role uses,
 * since a restarted process has no futures of its predecessor to complete.
 */
public final class MailboxClient implements AutoCloseable {
    private final MailboxCaller caller;
    private final Map<Long, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final Map<Long, Reply> unclaimed = new ConcurrentHashMap<>();
    private final AtomicLong nextCorrelation;
    /** Guards the hand-over between {@link #pending} and {@link #unclaimed}; never held while waiting. */
    private final Object handoff = new Object();

    /** Runs the {@link ReplyLoop} on {@code <name>-replies}, sleeping on the caller's reply doorbell when idle. */
    private final AgentRunner replies;
    /** Where an earlier incarnation's replies go that no {@link #reattach} waits for; null keeps them. */
    private final Consumer<Reply> inheritedReplies;

    private final AtomicLong inheritedCollected = new AtomicLong();

    public MailboxClient(MailboxCaller caller, String name) {
        this(caller, name, null);
    }

    /**
     * @param inheritedReplies receives, on the reply thread, each reply to a call of an earlier incarnation of this
     *     caller index that nobody {@link #reattach re-attached} to; null keeps them for {@link #reattach}
     */
    public MailboxClient(MailboxCaller caller, String name, Consumer<Reply> inheritedReplies) {
        this.caller = caller;
        this.inheritedReplies = inheritedReplies;
        this.nextCorrelation = new AtomicLong(caller.mailbox().clock().epochMillis() << 20);
        this.replies = new AgentRunner(
                        new ReplyLoop(name + "-replies"),
                        new SignalIdleStrategy(
                                0, TimeUnit.MILLISECONDS.toNanos(100), caller::awaitReplies, caller::wakeUp),
                        caller.mailbox().clock())
                .start();
    }

    public static MailboxClient attach(Mailbox mailbox, int callerIndex) {
        return new MailboxClient(MailboxCaller.attach(mailbox, callerIndex), "mailbox-caller-" + callerIndex);
    }

    /**
     * Binds {@code callerIndex} as the successor of whichever process held it: every reply to a call the predecessor
     * left in the mailbox goes to {@code inheritedReplies} (on the reply thread) unless a {@link #reattach} claims it
     * first, and its slot is freed. Nothing is kept, so a role restarted any number of times holds no replies it will
     * never read. {@link CallerEntryException} while a live process holds the index.
     */
    public static MailboxClient resume(
            Mailbox mailbox, int callerIndex, String name, Consumer<Reply> inheritedReplies) {
        Objects.requireNonNull(inheritedReplies, "inheritedReplies");
        return new MailboxClient(MailboxCaller.attach(mailbox, callerIndex), name, inheritedReplies);
    }

    /**
     * A client for a tool ({@code sluice status}, the demo's reporter): the first caller index from
     * {@link ServerMailboxes#CALLER_TOOLS} up that no live process holds, so several tools can ask at once and none
     * takes a role's fixed index (tools stay below {@link ServerMailboxes#CALLER_TOOLS_END}). Replies to calls an
     * earlier tool left on that index are released: they were another tool's questions.
     */
    public static MailboxClient attachTool(Mailbox mailbox) {
        MailboxException last = null;
        int end = Math.min(mailbox.geometry().maxCallers(), ServerMailboxes.CALLER_TOOLS_END);
        for (int index = ServerMailboxes.CALLER_TOOLS; index < end; index++) {
            try {
                return resume(mailbox, index, "mailbox-tool-" + index, reply -> {});
            } catch (MailboxException e) {
                last = e;
            }
        }
        throw new MailboxException(mailbox.file() + ": every tool caller index is held by a live process"
                + (last == null ? "" : " (" + last.getMessage() + ")"));
    }

    public MailboxCaller caller() {
        return caller;
    }

    public long nextCorrelationId() {
        return nextCorrelation.incrementAndGet();
    }

    public CompletableFuture<Reply> call(int opcode, byte[] params) {
        return call(opcode, 0, nextCorrelationId(), params);
    }

    /**
     * Posts a call; the future completes with the callee's reply (any status, including CANCELLED and ABANDONED) or
     * fails with {@link MailboxCallException} when the call could not be posted.
     */
    public CompletableFuture<Reply> call(int opcode, int flags, long correlationId, byte[] params) {
        CompletableFuture<Reply> future = new CompletableFuture<>();
        if (pending.putIfAbsent(correlationId, future) != null) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("correlation id in use: " + correlationId));
        }
        long handle = caller.call(opcode, flags, correlationId, params);
        if (handle < 0) {
            pending.remove(correlationId);
            future.completeExceptionally(new MailboxCallException((int) handle, "call " + opcode + " not posted"));
        }
        return future;
    }

    /**
     * Finds an outstanding call of this caller index by correlation id (e.g. one posted before a restart); empty if the
     * mailbox holds no such call.
     */
    public Optional<CompletableFuture<Reply>> reattach(long correlationId) {
        CompletableFuture<Reply> future;
        synchronized (handoff) {
            Reply done = unclaimed.remove(correlationId);
            if (done != null) {
                return Optional.of(CompletableFuture.completedFuture(done));
            }
            future = pending.get(correlationId);
            if (future != null) {
                return Optional.of(future);
            }
            // Registered before looking at the slots: a reply consumed from now on finds the future.
            future = new CompletableFuture<>();
            pending.put(correlationId, future);
        }
        boolean inMailbox = caller.outstanding().stream().anyMatch(s -> s.correlationId() == correlationId);
        synchronized (handoff) {
            if (!inMailbox && !future.isDone()) {
                pending.remove(correlationId, future);
                return Optional.empty();
            }
        }
        return Optional.of(future);
    }

    /** Replies of an earlier incarnation handed to the {@link #resume} handler so far. */
    public long inheritedCollected() {
        return inheritedCollected.get();
    }

    /** Correlation ids of replies that arrived for calls nobody has re-attached to. */
    public Set<Long> unclaimedReplies() {
        return Set.copyOf(unclaimed.keySet());
    }

    public int cancel(long correlationId) {
        for (SlotInfo info : caller.outstanding()) {
            if (info.correlationId() == correlationId) {
                return caller.cancel(info.handle());
            }
        }
        return MailboxStatus.STALE_HANDLE;
    }

    public int pendingCount() {
        return pending.size();
    }

    /** One reply taken on the reply thread: completes its future, or keeps it for a re-attach, or hands it on. */
    private void onReply(ReplyView view) {
        Reply reply = new Reply(
                view.correlationId(),
                view.opcode(),
                view.status(),
                view.flags(),
                view.deliveries(),
                view.resultBytes());
        CompletableFuture<Reply> future;
        boolean handOn = false;
        synchronized (handoff) {
            future = pending.remove(reply.correlationId());
            if (future == null) {
                handOn = inheritedReplies != null && view.inherited();
                if (!handOn) {
                    unclaimed.put(reply.correlationId(), reply);
                }
            }
        }
        if (future != null) {
            future.complete(reply);
        } else if (handOn) {
            inheritedCollected.incrementAndGet();
            deliverInherited(reply);
        }
    }

    /** The reply thread's turn: the heartbeat, then up to 256 replies. */
    private final class ReplyLoop implements Agent {
        private final String roleName;

        ReplyLoop(String roleName) {
            this.roleName = roleName;
        }

        @Override
        public int doWork(long nowMillis) {
            caller.heartbeat();
            return caller.pollReplies(MailboxClient.this::onReply, 256);
        }

        @Override
        public String roleName() {
            return roleName;
        }
    }

    /** A handler that fails must not end the reply thread: the failure is logged, the reply is gone. */
    private void deliverInherited(Reply reply) {
        try {
            inheritedReplies.accept(reply);
        } catch (RuntimeException e) {
            System.getLogger(MailboxClient.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "handler of an inherited reply (correlation " + reply.correlationId() + ") failed",
                            e);
        }
    }

    @Override
    public void close() {
        replies.closeKeepingInterrupt();
        caller.close();
        MailboxCallException closed = new MailboxCallException(MailboxStatus.ABANDONED, "client closed");
        pending.values().forEach(f -> f.completeExceptionally(closed));
    }
}
