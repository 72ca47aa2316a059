package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How many wake-ups the request doorbell costs its ringers: none while no callee is asleep, one per sleep however many
 * calls are posted before the woken callee runs. Counts, never time: every wait is bounded generously and polls for its
 * condition.
 */
class DoorbellWakeTest {
    private static final long GENEROUS_MILLIS = 30_000;

    private Path file;
    private Mailbox mailbox;
    private MailboxCaller caller;
    private MailboxCallee callee;

    @BeforeEach
    void mailboxWithACallerAndACallee() throws Exception {
        file = TestMailboxes.newFile("doorbell");
        mailbox = Mailbox.create(file, TestMailboxes.small());
        caller = MailboxCaller.attach(mailbox, 0);
        callee = MailboxCallee.attach(mailbox);
    }

    @AfterEach
    void removeTheMailbox() throws Exception {
        mailbox.close();
        Files.deleteIfExists(file);
    }

    @Test
    void callsPostedWhileTheCalleeIsAwakeWakeNobody() {
        post(40);
        assertThat(mailbox.requestDoorbell().wakes()).isZero();
        assertThat(callee.poll(TestOpcodes.HANDLER, 64)).isEqualTo(40);
    }

    @Test
    void oneSleepCostsOneWakeHoweverManyCallsFollow() throws Exception {
        Thread sleeper = sleepIn(callee);
        Await.until(
                GENEROUS_MILLIS,
                () -> mailbox.requestDoorbell().armed()
                        && mailbox.requestDoorbell().waiters() == 1);

        post(40);
        sleeper.join(GENEROUS_MILLIS);
        assertThat(sleeper.isAlive()).as("the sleeping callee was woken").isFalse();
        assertThat(mailbox.requestDoorbell().wakes()).isEqualTo(1);
        assertThat(mailbox.requestDoorbell().armed()).isFalse();
        assertThat(callee.poll(TestOpcodes.HANDLER, 64)).isEqualTo(40);
    }

    @Test
    void oneWakeReachesEverySleepingCallee() throws Exception {
        Thread one = sleepIn(callee);
        Thread two = sleepIn(MailboxCallee.attach(mailbox));
        Await.until(
                GENEROUS_MILLIS,
                () -> mailbox.requestDoorbell().waiters() == 2
                        && mailbox.requestDoorbell().armed());

        post(1);
        one.join(GENEROUS_MILLIS);
        two.join(GENEROUS_MILLIS);
        assertThat(one.isAlive() || two.isAlive())
                .as("a callee still asleep after the ring")
                .isFalse();
        assertThat(mailbox.requestDoorbell().wakes()).isEqualTo(1);
    }

    @Test
    void aCalleeThatFindsWorkWhenArmingDoesNotSleep() throws Exception {
        post(1);
        Thread waiter = sleepIn(callee);
        waiter.join(GENEROUS_MILLIS);
        assertThat(waiter.isAlive())
                .as("a callee with a call waiting went to sleep")
                .isFalse();
        assertThat(mailbox.requestDoorbell().wakes()).isZero();
        assertThat(callee.poll(TestOpcodes.HANDLER, 64)).isEqualTo(1);
    }

    /** Posts {@code calls} ECHO calls, correlation ids 1 up, each of which must find a free slot. */
    private void post(int calls) {
        for (int i = 1; i <= calls; i++) {
            assertThat(caller.call(TestOpcodes.ECHO, 0, i, new byte[] {1})).isPositive();
        }
    }

    /**
     * A thread in which {@code sleeper} waits for requests (five minutes at most), as a callee's loop does when idle.
     */
    private static Thread sleepIn(MailboxCallee sleeper) {
        return Thread.ofPlatform().start(() -> sleeper.awaitRequests(TimeUnit.MINUTES.toNanos(5)));
    }
}
