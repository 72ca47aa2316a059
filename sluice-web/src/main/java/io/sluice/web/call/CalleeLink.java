package io.sluice.web.call;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.Reply;
import io.sluice.web.http.ApiProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The web role's caller end of one provider's mailbox. The mailbox belongs to its provider (or the
 * supervisor), so it is opened, never created, and opened lazily: the web role starts before, and
 * survives, the other processes. A call is refused at once when no live callee is attached, and
 * cancelled when it outlives its timeout, so a request thread never waits on a process that is down.
 */
public final class CalleeLink implements AutoCloseable {
    private final String role;
    private final Path file;
    private final int callerIndex;
    private final Duration timeout;
    private Mailbox mailbox;
    private MailboxClient client;

    public CalleeLink(String role, Path file, int callerIndex, Duration timeout) {
        this.role = role;
        this.file = file;
        this.callerIndex = callerIndex;
        this.timeout = timeout;
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
            // Revoke the call so its slot goes back to the pool instead of waiting for a dead callee.
            c.cancel(correlation);
            throw ApiProblem.unavailable("the " + role + " did not answer within " + wait.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw ApiProblem.unavailable("the " + role + " mailbox refused the call: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable("interrupted while waiting for the " + role);
        }
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
        if (mailbox().isEmpty()) {
            throw ApiProblem.unavailable("the " + role + " mailbox " + file + " does not exist (is the " + role + " running?)");
        }
        if (!calleeAlive()) {
            throw ApiProblem.unavailable("no live " + role + " process is attached to " + file);
        }
        if (client == null) {
            client = MailboxClient.attach(mailbox, callerIndex);
        }
        return client;
    }

    private synchronized Optional<Mailbox> mailbox() {
        if (mailbox == null && Files.exists(file)) {
            try {
                mailbox = Mailbox.open(file);
            } catch (RuntimeException e) {
                // Half-created or foreign file: treat as absent and try again on the next call.
                return Optional.empty();
            }
        }
        return Optional.ofNullable(mailbox);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (mailbox != null) {
            mailbox.close();
            mailbox = null;
        }
    }
}
