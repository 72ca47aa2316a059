package io.sluice.web.call;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.CallerEntryException;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxAttachment;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.SlotFlags;
import io.sluice.web.http.ApiProblem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The web role's caller end of one provider's mailbox. The mailbox belongs to its provider (or the supervisor), so it
 * is opened, never created, and opened lazily: the web role starts before, and survives, the other processes. A call is
 * refused at once when no live callee is attached, and cancelled when it outlives its timeout, so a request thread
 * never waits on a process that is down.
 *
 * <p>A restarted web process takes its caller index back from its dead predecessor ({@link MailboxClient#resume}). The
 * predecessor's calls were made for HTTP requests whose connections died with it, so nobody here waits for their
 * results: each reply that comes in is logged (operation, status) and released, and its slot freed. A write that
 * completed took effect in its provider and shows on the next read; one that failed did nothing. The count is
 * {@link #inheritedReplies()}.
 */
public final class CalleeLink implements AutoCloseable {
    private final String role;
    private final Path file;
    private final int callerIndex;
    private final Duration timeout;
    /** How much longer a revoked call that a callee had taken is awaited for its final word. */
    static final Duration REVOKE_GRACE = Duration.ofSeconds(2);

    /** The provider's mailbox and this web's client on it; guarded by {@code this}. */
    private final MailboxAttachment<MailboxClient> attachment;
    /** Why the last attach failed, for the 503 that follows; guarded by {@code this}. */
    private String attachProblem;

    private final AtomicLong inheritedReplies = new AtomicLong();
    private static final System.Logger LOG = System.getLogger(CalleeLink.class.getName());

    public CalleeLink(String role, Path file, int callerIndex, Duration timeout) {
        this.role = role;
        this.file = file;
        this.callerIndex = callerIndex;
        this.timeout = timeout;
        // The file is looked at on every use (a stat, nothing beside an HTTP request), so a call made just after the
        // provider created or replaced its mailbox reaches it.
        this.attachment = new MailboxAttachment<>(file, EpochClock.system(), 0, this::resume, MailboxClient::close);
    }

    public String role() {
        return role;
    }

    public Path file() {
        return file;
    }

    /** Posts a call and waits (bounded) for its reply; 503 problem when the callee cannot answer. */
    public Reply call(int opcode, byte[] params) {
        return call(opcode, params, timeout);
    }

    public Reply call(int opcode, byte[] params, Duration wait) {
        MailboxClient c = client();
        long correlation = c.nextCorrelationId();
        CompletableFuture<Reply> future = c.call(opcode, 0, correlation, params);
        try {
            return future.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return gaveUp(c, correlation, future, wait);
        } catch (ExecutionException e) {
            throw ApiProblem.unavailable(
                    "the " + role + " mailbox refused the call: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable("interrupted while waiting for the " + role);
        }
    }

    /**
     * The call took longer than {@code wait}: revoke it, and tell the user plainly what became of it. A call no callee
     * had taken is withdrawn and did not happen; one a callee took may still finish, so its final word is awaited a
     * little longer: CANCELLED without EXECUTED means the callee stopped it before any effect (the database manager
     * rolls back a revoked call's transaction), any other answer is the call's own. Only a callee that stays silent
     * leaves the outcome unknown.
     */
    private Reply gaveUp(MailboxClient c, long correlation, CompletableFuture<Reply> future, Duration wait) {
        int revoked = c.cancel(correlation);
        if (revoked == MailboxStatus.OK) {
            throw notDone("the " + role + " did not take the call within " + wait.toMillis() + " ms; it was withdrawn");
        }
        Reply reply;
        try {
            reply = future.get(REVOKE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw ApiProblem.of(
                    504,
                    "outcome-unknown",
                    "Outcome unknown",
                    "the " + role + " took the call but did not answer "
                            + "within " + (wait.toMillis() + REVOKE_GRACE.toMillis())
                            + " ms; it may still take effect: check before "
                            + "retrying");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable("interrupted while waiting for the " + role);
        }
        if (reply.status() != MailboxStatus.CANCELLED) {
            return reply;
        }
        if ((reply.flags() & SlotFlags.EXECUTED) == 0) {
            throw notDone("the " + role + " stopped the call after " + wait.toMillis() + " ms, before it took effect");
        }
        throw ApiProblem.of(
                504,
                "done-late",
                "Done late",
                "the " + role + " carried the call out after the " + wait.toMillis()
                        + " ms limit; its result was not kept: read it back to see it");
    }

    private static ApiProblem notDone(String detail) {
        return ApiProblem.of(503, "not-done", "Not done", detail + "; nothing changed, and it is safe to retry");
    }

    /** Whether a live process is attached as callee (false also when the mailbox does not exist yet). */
    public boolean calleeAlive() {
        Optional<Mailbox> m = mailbox();
        if (m.isEmpty()) {
            return false;
        }
        for (int i = 0; i < m.get().geometry().maxCallees(); i++) {
            var entry = m.get().calleeEntry(i);
            if (entry.inUse() && entry.alive()) {
                return true;
            }
        }
        return false;
    }

    /** A lock-free copy of the mailbox for health and backlog; empty while the mailbox does not exist. */
    public Optional<MailboxSnapshot> snapshot() {
        return mailbox().map(MailboxSnapshot::take);
    }

    private synchronized MailboxClient client() {
        Optional<Mailbox> m = mailbox();
        if (m.isEmpty()) {
            throw ApiProblem.unavailable(
                    attachProblem != null
                            ? "the " + role + " mailbox: " + attachProblem
                            : "the " + role + " mailbox " + file + " does not exist (is the " + role + " running?)");
        }
        if (!calleeAlive()) {
            throw ApiProblem.unavailable("no live " + role + " process is attached to " + file);
        }
        return attachment.end();
    }

    /** The web's client on a freshly mapped mailbox; refused while another live process holds the caller index. */
    private MailboxClient resume(Mailbox mailbox) {
        MailboxClient client;
        try {
            client = MailboxClient.resume(mailbox, callerIndex, "web-" + role, this::releaseInherited);
        } catch (CallerEntryException e) {
            throw new IllegalStateException("another live process (pid " + e.holderPid()
                    + ") holds the web's caller index " + callerIndex + " on the " + role + " mailbox");
        }
        String resumed = client.caller().resumption().describe();
        if (resumed != null) {
            LOG.log(System.Logger.Level.INFO, "web on the {0} mailbox: {1}", role, resumed);
        }
        return client;
    }

    /** A reply to a call of the web process that held this caller index before; see the class comment. */
    private void releaseInherited(Reply reply) {
        inheritedReplies.incrementAndGet();
        LOG.log(
                System.Logger.Level.INFO,
                "web on the {0} mailbox: a call of the previous web process (opcode {1}) "
                        + "finished after it stopped: {2}; its client is gone, the reply is released",
                role,
                reply.opcode(),
                reply.statusName());
    }

    /** Replies to the previous web process's calls collected and released since this link attached. */
    public long inheritedReplies() {
        return inheritedReplies.get();
    }

    /** The mailbox while attached; follows a file its provider replaced, attaches to one that appeared. */
    private synchronized Optional<Mailbox> mailbox() {
        if (attachment.replaced()) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "web: the {0} mailbox {1} was replaced; attaching to the new one",
                    role,
                    file);
            attachment.detach();
        }
        if (!attachment.attached() && attachment.tryAttach(problem -> attachProblem = problem)) {
            attachProblem = null;
        }
        return Optional.ofNullable(attachment.mailbox());
    }

    @Override
    public synchronized void close() {
        attachment.close();
    }
}
