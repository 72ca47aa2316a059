package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.SLOT_LENGTH_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller process killed between posting and reading its replies, and its successor resuming the caller index: the
 * successor is told what it inherited, collects every reply of the dead process's calls (those answered before it
 * attached and those answered after), and leaves every slot free and nothing kept.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CallerRestartTest {
    private static final int CALLER = 3;
    private Path file;
    private Mailbox mailbox;

    @BeforeEach
    void setUp() throws Exception {
        file = TestMailboxes.newFile("restart");
        mailbox = Mailbox.create(file, TestMailboxes.crossProcess());
    }

    @AfterEach
    void tearDown() throws Exception {
        mailbox.close();
        Files.deleteIfExists(file);
    }

    @Test
    void restartedCallerCollectsItsPredecessorsRepliesAndFreesEverySlot() throws Exception {
        int n = 60;
        long deadPid = TestMailboxes.postThenKillCaller(file, CALLER, n);
        // Half the calls are answered while no caller lives: their replies wait in their slots.
        answer(n / 2);
        Map<Long, Reply> collected = new ConcurrentHashMap<>();
        try (MailboxClient restarted =
                MailboxClient.resume(mailbox, CALLER, "restarted", r -> collected.put(r.correlationId(), r))) {
            MailboxCaller.Resumption found = restarted.caller().resumption();
            assertThat(found.predecessorPid()).isEqualTo(deadPid);
            assertThat(found.generation()).isEqualTo(2);
            assertThat(found.done()).isEqualTo(n / 2);
            assertThat(found.posted()).isEqualTo(n - n / 2);
            assertThat(found.corrupt()).isZero();
            assertThat(mailbox.callerEntry(CALLER).generation()).isEqualTo(2);
            // The other half is answered now, by a callee in its own process, while the successor runs.
            try (TestMailboxes.Child callee = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                callee.awaitLine("READY");
                Await.until(60_000, () -> collected.size() == n);
            }
            for (long id = 1; id <= n; id++) {
                assertThat(new String(collected.get(id).result()))
                        .isEqualTo(new StringBuilder("call-" + id).reverse().toString());
            }
            assertThat(restarted.inheritedCollected()).isEqualTo(n);
            assertThat(restarted.unclaimedReplies()).isEmpty();
            assertThat(restarted.caller().inheritedOutstanding()).isZero();
            // The successor's own calls are its own: answered to their futures, not to the inherited handler.
            try (TestMailboxes.Child callee = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                callee.awaitLine("READY");
                Reply own = restarted.call(TestOpcodes.ECHO, "mine".getBytes()).get(30, TimeUnit.SECONDS);
                assertThat(new String(own.result())).isEqualTo("mine");
            }
            assertThat(collected).hasSize(n);
        }
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(256);
    }

    @Test
    void aLiveCallersIndexIsNotTakenByAnotherProcess() throws Exception {
        try (MailboxClient holder = MailboxClient.resume(mailbox, CALLER, "holder", r -> {});
                TestMailboxes.Child intruder =
                        new TestMailboxes.Child(CallerProcess.class, file.toString(), Integer.toString(CALLER), "1")) {
            assertThat(intruder.awaitLine("REFUSED"))
                    .isEqualTo("REFUSED " + ProcessHandle.current().pid());
            assertThat(mailbox.callerEntry(CALLER).pid())
                    .isEqualTo(ProcessHandle.current().pid());
            assertThat(holder.caller().resumption().predecessorPid()).isZero();
        }
    }

    @Test
    void aCorruptInheritedSlotIsReportedAndLeftAloneWhileTheRestResume() throws Exception {
        TestMailboxes.postThenKillCaller(file, CALLER, 5);
        int broken = mailbox.slotInfo(0).callerIndex() == CALLER ? 0 : firstSlotOf(CALLER);
        mailbox.memory().putInt(mailbox.slotOffset(broken) + SLOT_LENGTH_OFFSET, -77);
        Map<Long, Reply> collected = new ConcurrentHashMap<>();
        try (MailboxClient restarted =
                MailboxClient.resume(mailbox, CALLER, "restarted", r -> collected.put(r.correlationId(), r))) {
            assertThat(restarted.caller().resumption().corrupt()).isEqualTo(1);
            assertThat(restarted.caller().resumption().posted()).isEqualTo(4);
            try (TestMailboxes.Child callee = new TestMailboxes.Child(CalleeProcess.class, file.toString())) {
                callee.awaitLine("READY");
                Await.until(60_000, () -> collected.size() == 4);
            }
        }
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(255);
    }

    @Test
    void anEntryWhoseTokenNamesNoPossibleProcessIsRepairedNotTrusted() {
        // A token with pid 0: no process has it, so nobody live holds the index.
        mailbox.memory()
                .putLongVolatile(mailbox.callerEntryOffset(CALLER) + MailboxDescriptor.ENTRY_TOKEN_OFFSET, 12_345L);
        try (MailboxClient restarted = MailboxClient.resume(mailbox, CALLER, "restarted", r -> {})) {
            assertThat(restarted.caller().resumption().repairedEntry()).isTrue();
            assertThat(restarted.caller().resumption().describe()).contains("corrupt");
            assertThat(mailbox.callerEntry(CALLER).pid())
                    .isEqualTo(ProcessHandle.current().pid());
        }
    }

    private int firstSlotOf(int callerIndex) {
        for (int slot = 0; slot < mailbox.geometry().slotCount(); slot++) {
            SlotInfo info = mailbox.slotInfo(slot);
            if (info.state() != SlotState.FREE && info.callerIndex() == callerIndex) {
                return slot;
            }
        }
        throw new AssertionError("no call of caller " + callerIndex);
    }

    /** Answers {@code count} posted calls in this process, as a callee would, then lets go of the callee. */
    private void answer(int count) {
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        try {
            int answered = 0;
            while (answered < count) {
                answered += callee.poll(TestOpcodes.HANDLER, count - answered);
            }
        } finally {
            callee.close();
        }
    }
}
