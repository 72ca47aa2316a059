package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.common.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Recovery after a party died at an awkward instruction, simulated in one JVM by writing the token of a process that
 * has exited into the slot, exactly as the dead process would have left it.
 */
class RecoveryTest {
    private static long deadToken;
    private Path file;
    private Mailbox mailbox;
    private MailboxCaller caller;
    private final List<Reply> replies = new ArrayList<>();
    private final ReplyHandler collect = v -> replies.add(
            new Reply(v.correlationId(), v.opcode(), v.status(), v.flags(), v.deliveries(), v.resultBytes()));

    @BeforeAll
    static void makeDeadProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        ProcessIdentity alive = ProcessIdentity.ofPid(pid);
        p.waitFor(10, TimeUnit.SECONDS);
        deadToken = ProcessIdentity.toToken(pid, Math.max(1, alive.startTicks()));
        assertThat(ProcessIdentity.isAlive(deadToken)).isFalse();
    }

    @BeforeEach
    void setUp() throws Exception {
        file = TestMailboxes.newFile("recovery");
        mailbox = Mailbox.create(file, TestMailboxes.small());
        caller = MailboxCaller.attach(mailbox, 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        mailbox.close();
        Files.deleteIfExists(file);
    }

    @Test
    void ownTokenIsAliveAndAnExitedProcessIsNot() {
        assertThat(ProcessIdentity.isAlive(ProcessIdentity.current().token())).isTrue();
        assertThat(ProcessIdentity.isAlive(
                        ProcessIdentity.toToken(ProcessIdentity.current().pid(), 12345)))
                .isFalse();
        assertThat(ProcessIdentity.isAlive(0)).isFalse();
    }

    @Test
    void calleeThatDiedHoldingCallsIsReplacedIdempotentRedeliveredOthersAbandoned() {
        long idempotent = caller.call(TestOpcodes.REVERSE, SlotFlags.IDEMPOTENT, 1, TwoStepCallTest.bytes("again"));
        long once = caller.call(TestOpcodes.REVERSE, 0, 2, TwoStepCallTest.bytes("once"));
        long untaken = caller.call(TestOpcodes.REVERSE, 0, 3, TwoStepCallTest.bytes("later"));
        simulateTakenByDeadCallee(idempotent);
        simulateTakenByDeadCallee(once);

        MailboxCallee restarted = MailboxCallee.attach(mailbox);
        assertThat(mailbox.epoch()).isEqualTo(1);
        restarted.poll(TestOpcodes.HANDLER, 10);
        caller.pollReplies(collect, 10);

        assertThat(replies).hasSize(3);
        assertThat(byId(1)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(MailboxStatus.OK);
            assertThat(new String(r.result())).isEqualTo("niaga");
            assertThat(r.flags() & SlotFlags.REDELIVERED).isNotZero();
            assertThat(r.deliveries()).isEqualTo(2);
        });
        assertThat(byId(2).status()).isEqualTo(MailboxStatus.ABANDONED);
        assertThat(byId(3).status()).isEqualTo(MailboxStatus.OK);
        assertThat(untaken).isPositive();
    }

    @Test
    void aRequestThatKeepsKillingCalleesIsAbandonedAfterMaxDeliveries() {
        long poison = caller.call(TestOpcodes.ECHO, SlotFlags.IDEMPOTENT, 1, TwoStepCallTest.bytes("poison"));
        for (int i = 0; i < Mailbox.MAX_DELIVERIES; i++) {
            simulateTakenByDeadCallee(poison);
            MailboxRecovery.sweep(mailbox);
        }
        caller.pollReplies(collect, 10);
        assertThat(replies)
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(MailboxStatus.ABANDONED));
    }

    @Test
    void lockOfADeadProcessIsBrokenNotWaitedOn() {
        long handle = caller.call(TestOpcodes.ECHO, 0, 1, TwoStepCallTest.bytes("x"));
        int slot = CallHandle.slotOf(handle);
        mailbox.memory().putLongVolatile(mailbox.slotOffset(slot) + SLOT_LOCK_OFFSET, deadToken);
        // The callee's take must get through a lock its dead owner will never release.
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        mailbox.memory().putLongVolatile(mailbox.slotOffset(slot) + SLOT_LOCK_OFFSET, deadToken);
        mailbox.bitmaps().set(mailbox.requestBitmapOffset(), slot);
        assertThat(callee.poll(TestOpcodes.HANDLER, 10)).isEqualTo(1);
        caller.pollReplies(collect, 10);
        assertThat(replies)
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isZero());
    }

    @Test
    void lockHeldByALiveProcessTimesOutWithATypedStatus() {
        ManualEpochClock clock = new ManualEpochClock(1_000);
        try (Mailbox timed = Mailbox.open(file, () -> {
            clock.advance(1_000);
            return clock.epochMillis();
        })) {
            long handle = caller.call(TestOpcodes.ECHO, 0, 1, TwoStepCallTest.bytes("x"));
            int slot = CallHandle.slotOf(handle);
            long liveOther = ProcessIdentity.ofPid(
                            ProcessHandle.current().parent().orElseThrow().pid())
                    .token();
            timed.memory().putLongVolatile(timed.slotOffset(slot) + SLOT_LOCK_OFFSET, liveOther);
            assertThat(timed.revoke(handle)).isEqualTo(MailboxStatus.LOCK_TIMEOUT);
            timed.memory().putLongVolatile(timed.slotOffset(slot) + SLOT_LOCK_OFFSET, 0);
            assertThat(timed.revoke(handle)).isEqualTo(MailboxStatus.OK);
        }
    }

    @Test
    void callerThatDiedMidWriteLeavesASlotTheSweepFrees() {
        // Allocation claimed the free bit and took the lock, then the process died.
        int slot = mailbox.bitmaps().claimAny(mailbox.freeBitmapOffset(), 0);
        mailbox.memory().putLongVolatile(mailbox.slotOffset(slot) + SLOT_LOCK_OFFSET, deadToken);
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(63);
        MailboxRecovery.SweepResult result = MailboxRecovery.sweep(mailbox);
        assertThat(result.brokenLocks()).isEqualTo(1);
        assertThat(result.freed()).isEqualTo(1);
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(64);
    }

    @Test
    void postedCallWhoseRingWasLostIsReannounced() {
        long handle = caller.call(TestOpcodes.ECHO, 0, 1, TwoStepCallTest.bytes("x"));
        mailbox.bitmaps().clear(mailbox.requestBitmapOffset(), CallHandle.slotOf(handle));
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        assertThat(callee.poll(TestOpcodes.HANDLER, 10)).isEqualTo(1);
    }

    @Test
    void corruptSlotIsReportedAndLeftAloneWhileOthersWork() {
        long bad = caller.call(TestOpcodes.ECHO, 0, 1, TwoStepCallTest.bytes("bad"));
        long good = caller.call(TestOpcodes.ECHO, 0, 2, TwoStepCallTest.bytes("good"));
        mailbox.memory().putInt(mailbox.slotOffset(CallHandle.slotOf(bad)) + SLOT_CALLER_INDEX_OFFSET, 5000);
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        assertThat(MailboxRecovery.sweep(mailbox).corrupt()).isEqualTo(1);
        callee.poll(TestOpcodes.HANDLER, 10);
        caller.pollReplies(collect, 10);
        assertThat(replies).extracting(Reply::correlationId).containsExactly(2L);
        assertThat(new MailboxWatchdog(1_000, 1_000).check(MailboxSnapshot.take(mailbox)))
                .extracting(MailboxWatchdog.Finding::kind)
                .contains(MailboxWatchdog.Kind.CORRUPT_SLOT);
        assertThat(good).isPositive();
    }

    @Test
    void garbageStateWordIsCorruptNotACrash() {
        long handle = caller.call(TestOpcodes.ECHO, 0, 1, TwoStepCallTest.bytes("x"));
        int slot = CallHandle.slotOf(handle);
        mailbox.memory().putIntVolatile(mailbox.slotOffset(slot) + SLOT_STATE_OFFSET, 0x7777);
        mailbox.memory().putInt(mailbox.slotOffset(slot) + SLOT_LENGTH_OFFSET, -3);
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        assertThat(callee.poll(TestOpcodes.HANDLER, 10)).isZero();
        assertThat(mailbox.revoke(handle)).isEqualTo(MailboxStatus.TOO_LATE);
        assertThat(MailboxSnapshot.take(mailbox).slots())
                .singleElement()
                .satisfies(s -> assertThat(s.corrupt()).isTrue());
    }

    private void simulateTakenByDeadCallee(long handle) {
        long base = mailbox.slotOffset(CallHandle.slotOf(handle));
        SharedMemory m = mailbox.memory();
        mailbox.bitmaps().clear(mailbox.requestBitmapOffset(), CallHandle.slotOf(handle));
        m.putLong(base + SLOT_CALLEE_TOKEN_OFFSET, deadToken);
        mailbox.bookkeeping().recordTake(base, 1);
        m.putIntVolatile(base + SLOT_STATE_OFFSET, SlotState.TAKEN);
    }

    private Reply byId(long correlationId) {
        return replies.stream()
                .filter(r -> r.correlationId() == correlationId)
                .findFirst()
                .orElseThrow();
    }
}
