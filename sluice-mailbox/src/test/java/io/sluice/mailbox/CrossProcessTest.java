package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Caller and callee in separate JVMs, including kill -9 of either in the middle of calls. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrossProcessTest {
    private Path file;
    private Mailbox mailbox;

    @BeforeEach
    void setUp() throws Exception {
        file = TestMailboxes.newFile("xproc");
        mailbox = Mailbox.create(file, TestMailboxes.crossProcess());
    }

    @AfterEach
    void tearDown() throws Exception {
        mailbox.close();
        Files.deleteIfExists(file);
    }

    @Test
    void callsToACalleeInAnotherProcessAreAnswered() throws Exception {
        try (TestMailboxes.Child callee = new TestMailboxes.Child(CalleeProcess.class, file.toString());
                MailboxClient client = MailboxClient.attach(mailbox, 0)) {
            callee.awaitLine("READY");
            List<CompletableFuture<Reply>> futures = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                futures.add(callWithRetry(client, TestOpcodes.REVERSE, 0, "msg-" + i));
            }
            for (int i = 0; i < futures.size(); i++) {
                Reply reply = futures.get(i).get(30, TimeUnit.SECONDS);
                assertThat(reply.status()).isEqualTo(MailboxStatus.OK);
                assertThat(new String(reply.result(), StandardCharsets.UTF_8))
                        .isEqualTo(new StringBuilder("msg-" + i).reverse().toString());
            }
        }
    }

    @Test
    void calleeFallingBackToTimedParkingInteroperatesWithAFutexCaller() throws Exception {
        try (TestMailboxes.Child callee = new TestMailboxes.Child(
                        CalleeProcess.class, List.of("-Dsluice.mailbox.futex=false"), file.toString(), "0");
                MailboxClient client = MailboxClient.attach(mailbox, 0)) {
            callee.awaitLine("READY");
            for (int i = 0; i < 200; i++) {
                Reply reply =
                        client.call(TestOpcodes.ECHO, ("p" + i).getBytes()).get(30, TimeUnit.SECONDS);
                assertThat(new String(reply.result())).isEqualTo("p" + i);
            }
        }
    }

    @Test
    void calleeKilledMidCallIsRestartedAndResumes() throws Exception {
        try (MailboxClient client = MailboxClient.attach(mailbox, 0)) {
            CompletableFuture<Reply> idempotentHang;
            CompletableFuture<Reply> plainHang;
            try (TestMailboxes.Child first = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                first.awaitLine("READY");
                idempotentHang = client.call(TestOpcodes.HANG, SlotFlags.IDEMPOTENT, 101, "a".getBytes());
                first.awaitLine("TAKEN 101");
                first.kill9();
            }
            // While no callee runs: a non-idempotent call that a dead callee "took", and fresh calls.
            plainHang = client.call(TestOpcodes.HANG, 0, 102, "b".getBytes());
            List<CompletableFuture<Reply>> queued = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                queued.add(client.call(TestOpcodes.REVERSE, 0, 1_000 + i, ("q" + i).getBytes()));
            }
            try (TestMailboxes.Child second = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                second.awaitLine("READY");
                // The second callee re-takes the idempotent HANG (redelivered) and holds it again.
                assertThat(second.awaitLine("TAKEN 101")).isEqualTo("TAKEN 101");
                for (int i = 0; i < queued.size(); i++) {
                    Reply r = queued.get(i).get(30, TimeUnit.SECONDS);
                    assertThat(new String(r.result()))
                            .isEqualTo(new StringBuilder("q" + i).reverse().toString());
                }
                second.kill9();
            }
            try (TestMailboxes.Child third = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                third.awaitLine("READY");
                // Cancel both hangs now; whichever state each is in, the caller must get one clear answer.
                client.cancel(101);
                client.cancel(102);
                Reply r101 = idempotentHang.get(30, TimeUnit.SECONDS);
                Reply r102 = plainHang.get(30, TimeUnit.SECONDS);
                assertThat(r101.deliveries()).isGreaterThanOrEqualTo(2);
                assertThat(r101.flags() & SlotFlags.REDELIVERED).isNotZero();
                assertThat(r101.status()).isIn(MailboxStatus.CANCELLED, MailboxStatus.ABANDONED);
                assertThat(r102.status()).isIn(MailboxStatus.CANCELLED, MailboxStatus.ABANDONED);
            }
        }
    }

    @Test
    void nonIdempotentCallHeldByAKilledCalleeIsAbandonedExplicitly() throws Exception {
        try (MailboxClient client = MailboxClient.attach(mailbox, 0)) {
            CompletableFuture<Reply> hang;
            try (TestMailboxes.Child first = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                first.awaitLine("READY");
                hang = client.call(TestOpcodes.HANG, 0, 7, "x".getBytes());
                first.awaitLine("TAKEN 7");
                first.kill9();
            }
            try (TestMailboxes.Child second = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                second.awaitLine("READY");
                Reply r = hang.get(30, TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(MailboxStatus.ABANDONED);
                assertThat(r.statusName()).isEqualTo("ABANDONED");
            }
        }
    }

    @Test
    void callerKilledAfterPostingReattachesByCorrelationIdAndLosesNothing() throws Exception {
        int n = 100;
        TestMailboxes.postThenKillCaller(file, 3, n);
        MailboxWatchdog watchdog = new MailboxWatchdog(60_000, 60_000);
        assertThat(watchdog.check(MailboxSnapshot.take(mailbox)))
                .extracting(MailboxWatchdog.Finding::kind)
                .contains(MailboxWatchdog.Kind.DEAD_CALLER_WITH_CALLS, MailboxWatchdog.Kind.NO_CALLEE);
        // The callee answers while the caller is dead; the replies wait in their slots.
        try (TestMailboxes.Child callee = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
            callee.awaitLine("READY");
            Await.until(
                    "every call answered",
                    60_000,
                    () -> MailboxSnapshot.take(mailbox).slots().stream()
                            .allMatch(s -> s.state().equals("DONE")));
        }
        // The restarted caller (this JVM, same caller index) finds every call by its correlation id.
        try (MailboxClient restarted = MailboxClient.attach(mailbox, 3)) {
            Map<Long, Reply> replies = new HashMap<>();
            for (long id = 1; id <= n; id++) {
                CompletableFuture<Reply> f = restarted.reattach(id).orElseThrow(() -> new AssertionError("lost call"));
                replies.put(id, f.get(30, TimeUnit.SECONDS));
            }
            assertThat(replies).hasSize(n);
            replies.forEach((id, r) -> assertThat(new String(r.result()))
                    .isEqualTo(new StringBuilder("call-" + id).reverse().toString()));
            assertThat(restarted.reattach(n + 1)).isEmpty();
        }
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(256);
    }

    @Test
    void twoCalleeProcessesShareTheWorkAndEveryCallIsAnsweredOnce() throws Exception {
        try (TestMailboxes.Child a = new TestMailboxes.Child(CalleeProcess.class, file.toString());
                TestMailboxes.Child b = new TestMailboxes.Child(CalleeProcess.class, file.toString());
                MailboxClient client = MailboxClient.attach(mailbox, 1)) {
            a.awaitLine("READY");
            b.awaitLine("READY");
            List<CompletableFuture<Reply>> futures = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                futures.add(callWithRetry(client, TestOpcodes.ECHO, 0, Integer.toString(i)));
            }
            Map<Long, Reply> byId = futures.stream()
                    .map(CompletableFuture::join)
                    .collect(Collectors.toMap(Reply::correlationId, Function.identity()));
            assertThat(byId).hasSize(5_000);
            assertThat(MailboxSnapshot.take(mailbox).callees())
                    .hasSize(2)
                    .allSatisfy(c -> assertThat(c.alive()).isTrue());
        }
    }

    /** Retries on MAILBOX_FULL: the documented back-pressure of a caller that outruns its callee. */
    static CompletableFuture<Reply> callWithRetry(MailboxClient client, int opcode, int flags, String payload)
            throws InterruptedException {
        while (true) {
            CompletableFuture<Reply> f =
                    client.call(opcode, flags, client.nextCorrelationId(), payload.getBytes(StandardCharsets.UTF_8));
            if (!f.isCompletedExceptionally()) {
                return f;
            }
            Thread.sleep(0, 100_000);
        }
    }
}
