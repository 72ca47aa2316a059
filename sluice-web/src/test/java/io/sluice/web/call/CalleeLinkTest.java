package io.sluice.web.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.Reply;
import io.sluice.web.http.ApiProblem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call that outlives its timeout, against a callee played by this test on a real mailbox: the user is told whether it
 * did not happen, happened anyway, or nobody knows yet; never a bare 503.
 */
class CalleeLinkTest {
    private static final Duration WAIT = Duration.ofMillis(200);
    private final Path file =
            Path.of("/dev/shm", "sluice-link-test-" + ProcessHandle.current().pid() + "-db");
    private Mailbox mailbox;
    private MailboxCallee callee;
    private CalleeLink link;
    private Thread worker;

    @BeforeEach
    void start() {
        mailbox = Mailbox.create(file, new MailboxGeometry(16, 4096, 8, 2));
        callee = MailboxCallee.attach(mailbox);
        link = new CalleeLink("db", file, 3, WAIT);
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) {
            worker.interrupt();
            worker.join();
        }
        link.close();
        callee.close();
        mailbox.close();
        Files.deleteIfExists(file);
    }

    /** The callee takes the one call, defers it, and once its caller revokes it does {@code onRevoked}. */
    private void takeAndOnRevoke(LongConsumer onRevoked) {
        worker = Thread.ofPlatform().start(() -> {
            AtomicLong handle = new AtomicLong();
            while (handle.get() == 0 && !Thread.currentThread().isInterrupted()) {
                callee.poll(request -> handle.set(request.defer()), 1);
                Thread.onSpinWait();
            }
            while (!callee.isCancelRequested(handle.get())) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                Thread.onSpinWait();
            }
            onRevoked.accept(handle.get());
        });
    }

    private ApiProblem problemOfACall() {
        return catchThrowableOfType(ApiProblem.class, () -> link.call(1, "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCallNoCalleeTookIsWithdrawnAndDidNotHappen() {
        ApiProblem problem = problemOfACall();
        assertThat(problem.type()).isEqualTo("not-done");
        assertThat(problem.status()).isEqualTo(503);
        assertThat(problem.detail()).contains("withdrawn").contains("safe to retry");
        assertThat(callee.poll(request -> request.reply(0, 0), 16))
                .as("nothing left to carry out")
                .isZero();
    }

    @Test
    void aCallTheCalleeStoppedBeforeItTookEffectDidNotHappen() {
        takeAndOnRevoke(handle -> callee.complete(handle, MailboxStatus.CANCELLED, ParamWriter.EMPTY));
        ApiProblem problem = problemOfACall();
        assertThat(problem.type()).isEqualTo("not-done");
        assertThat(problem.detail()).contains("before it took effect");
    }

    @Test
    void aCallTheCalleeCarriedOutAnywayIsReportedDoneNotFailed() {
        takeAndOnRevoke(handle ->
                callee.complete(handle, 0, ParamWriter.of("{\"stored\":1}".getBytes(StandardCharsets.UTF_8))));
        ApiProblem problem = problemOfACall();
        assertThat(problem.type()).isEqualTo("done-late");
        assertThat(problem.status()).isEqualTo(504);
    }

    @Test
    void aCallTakenAndNeverAnsweredHasAnUnknownOutcome() {
        takeAndOnRevoke(handle -> {});
        ApiProblem problem = problemOfACall();
        assertThat(problem.type()).isEqualTo("outcome-unknown");
        assertThat(problem.status()).isEqualTo(504);
        assertThat(problem.detail()).contains("may still take effect");
    }

    @Test
    void aCallAnsweredInTimeIsItsAnswer() {
        worker = Thread.ofPlatform().start(() -> {
            while (callee.poll(request -> request.reply(0, ParamWriter.of(new byte[] {42})), 1) == 0) {
                Thread.onSpinWait();
            }
        });
        Reply reply = link.call(1, new byte[0], Duration.ofSeconds(30));
        assertThat(reply.status()).isZero();
        assertThat(reply.result()).containsExactly(42);
    }

    /**
     * The web process before this one left a call in the mailbox under the same caller index and stopped; the callee
     * answered it afterwards. The link inherits it when it attaches, releases its reply (its HTTP client is gone) and
     * frees the slot, and its own call gets its own answer.
     */
    @Test
    void aPreviousWebProcesssReplyIsCollectedAndReleased() throws Exception {
        MailboxCaller previous = MailboxCaller.attach(mailbox, 3);
        assertThat(previous.call(9, 0, 1, "{}".getBytes(StandardCharsets.UTF_8)))
                .isPositive();
        previous.close();
        while (callee.poll(request -> request.reply(0, ParamWriter.of(new byte[] {7})), 1) == 0) {
            Thread.onSpinWait();
        }
        worker = Thread.ofPlatform().start(() -> {
            while (callee.poll(request -> request.reply(0, ParamWriter.of(new byte[] {42})), 1) == 0) {
                Thread.onSpinWait();
            }
        });
        Reply reply = link.call(1, new byte[0], Duration.ofSeconds(30));
        assertThat(reply.result()).containsExactly(42);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (link.inheritedReplies() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(link.inheritedReplies()).isEqualTo(1);
        while (link.snapshot().orElseThrow().freeSlots() < 16 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(link.snapshot().orElseThrow().freeSlots()).isEqualTo(16);
    }

    /**
     * The provider's mailbox file was removed and created again (a database manager run on its own, restarted after its
     * file was deleted): the link lets go of the old mapping, whose callee never comes back, and its next call reaches
     * the new callee instead of failing until the web restarts.
     */
    @Test
    void aMailboxCreatedAgainIsFollowed() throws Exception {
        answerOneCall(callee, 1);
        assertThat(link.call(1, new byte[0], Duration.ofSeconds(30)).result()).containsExactly(1);
        worker.join();
        worker = null;

        callee.close();
        mailbox.close();
        Files.delete(file);
        mailbox = Mailbox.create(file, new MailboxGeometry(16, 4096, 8, 2));
        callee = MailboxCallee.attach(mailbox);
        answerOneCall(callee, 2);
        assertThat(link.call(1, new byte[0], Duration.ofSeconds(30)).result()).containsExactly(2);
    }

    private void answerOneCall(MailboxCallee answering, int answer) {
        worker = Thread.ofPlatform().start(() -> {
            while (answering.poll(request -> request.reply(0, ParamWriter.of(new byte[] {(byte) answer})), 1) == 0) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                Thread.onSpinWait();
            }
        });
    }
}
