package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How many wake-ups the request doorbell costs its ringers: none while no callee is asleep, one per sleep
 * however many calls are posted before the woken callee runs. Counts, never time: every wait is bounded
 * generously and polls for its condition.
 */
class DoorbellWakeTest {
    private static final long GENEROUS_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void callsPostedWhileTheCalleeIsAwakeWakeNobody() throws Exception {
        Path file = TestMailboxes.newFile("doorbell-awake");
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small())) {
            MailboxCaller caller = MailboxCaller.attach(mailbox, 0);
            MailboxCallee callee = MailboxCallee.attach(mailbox);
            for (int i = 1; i <= 40; i++) {
                assertThat(caller.call(TestOpcodes.ECHO, 0, i, new byte[] {1})).isPositive();
            }
            assertThat(mailbox.requestDoorbell().wakes()).isZero();
            assertThat(callee.poll(TestOpcodes.HANDLER, 64)).isEqualTo(40);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void oneSleepCostsOneWakeHoweverManyCallsFollow() throws Exception {
        Path file = TestMailboxes.newFile("doorbell-sleeper");
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small())) {
            MailboxCaller caller = MailboxCaller.attach(mailbox, 0);
            MailboxCallee callee = MailboxCallee.attach(mailbox);
            Thread sleeper = Thread.ofPlatform().start(() -> callee.awaitRequests(TimeUnit.MINUTES.toNanos(5)));
            Await.until(30_000, () -> mailbox.requestDoorbell().armed() && mailbox.requestDoorbell().waiters() == 1);

            for (int i = 1; i <= 40; i++) {
                assertThat(caller.call(TestOpcodes.ECHO, 0, i, new byte[] {1})).isPositive();
            }
            sleeper.join(TimeUnit.NANOSECONDS.toMillis(GENEROUS_NANOS));
            assertThat(sleeper.isAlive()).as("the sleeping callee was woken").isFalse();
            assertThat(mailbox.requestDoorbell().wakes()).isEqualTo(1);
            assertThat(mailbox.requestDoorbell().armed()).isFalse();
            assertThat(callee.poll(TestOpcodes.HANDLER, 64)).isEqualTo(40);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void oneWakeReachesEverySleepingCallee() throws Exception {
        Path file = TestMailboxes.newFile("doorbell-two");
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small())) {
            MailboxCaller caller = MailboxCaller.attach(mailbox, 0);
            MailboxCallee first = MailboxCallee.attach(mailbox);
            MailboxCallee second = MailboxCallee.attach(mailbox);
            Thread one = Thread.ofPlatform().start(() -> first.awaitRequests(TimeUnit.MINUTES.toNanos(5)));
            Thread two = Thread.ofPlatform().start(() -> second.awaitRequests(TimeUnit.MINUTES.toNanos(5)));
            Await.until(30_000, () -> mailbox.requestDoorbell().waiters() == 2 && mailbox.requestDoorbell().armed());

            assertThat(caller.call(TestOpcodes.ECHO, 0, 1, new byte[] {1})).isPositive();
            one.join(TimeUnit.NANOSECONDS.toMillis(GENEROUS_NANOS));
            two.join(TimeUnit.NANOSECONDS.toMillis(GENEROUS_NANOS));
            assertThat(one.isAlive() || two.isAlive()).as("a callee still asleep after the ring").isFalse();
            assertThat(mailbox.requestDoorbell().wakes()).isEqualTo(1);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aCalleeThatFindsWorkWhenArmingDoesNotSleep() throws Exception {
        Path file = TestMailboxes.newFile("doorbell-pending");
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small())) {
            MailboxCaller caller = MailboxCaller.attach(mailbox, 0);
            MailboxCallee callee = MailboxCallee.attach(mailbox);
            assertThat(caller.call(TestOpcodes.ECHO, 0, 1, new byte[] {1})).isPositive();
            Thread waiter = Thread.ofPlatform().start(() -> callee.awaitRequests(TimeUnit.MINUTES.toNanos(5)));
            waiter.join(TimeUnit.NANOSECONDS.toMillis(GENEROUS_NANOS));
            assertThat(waiter.isAlive()).as("a callee with a call waiting went to sleep").isFalse();
            assertThat(mailbox.requestDoorbell().wakes()).isZero();
            assertThat(callee.poll(TestOpcodes.HANDLER, 64)).isEqualTo(1);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
