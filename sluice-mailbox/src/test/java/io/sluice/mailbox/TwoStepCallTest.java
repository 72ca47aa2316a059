package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Both steps driven by hand in one thread, so every intermediate state can be asserted. */
class TwoStepCallTest {
    private Path file;
    private Mailbox mailbox;
    private MailboxCaller caller;
    private MailboxCallee callee;
    private final List<Reply> replies = new ArrayList<>();
    private final ReplyHandler collect = view -> replies.add(new Reply(
            view.correlationId(), view.opcode(), view.status(), view.flags(), view.deliveries(), view.resultBytes()));

    @BeforeEach
    void setUp() throws Exception {
        file = TestMailboxes.newFile("twostep");
        mailbox = Mailbox.create(file, TestMailboxes.small());
        caller = MailboxCaller.attach(mailbox, 2);
        callee = MailboxCallee.attach(mailbox);
    }

    @AfterEach
    void tearDown() throws Exception {
        mailbox.close();
        Files.deleteIfExists(file);
    }

    @Test
    void callReturnsAtOnceAndReplyArrivesInTheSameSlot() {
        long handle = caller.call(TestOpcodes.REVERSE, 0, 42, bytes("abc"));
        assertThat(handle).isPositive();
        SlotInfo posted = mailbox.slotInfo(CallHandle.slotOf(handle));
        assertThat(posted.state()).isEqualTo(SlotState.POSTED);
        assertThat(posted.lockOwner()).as("step one releases the slot").isZero();
        assertThat(posted.callerIndex()).isEqualTo(2);
        assertThat(posted.correlationId()).isEqualTo(42);
        assertThat(caller.hasReplies()).isFalse();

        assertThat(callee.poll(TestOpcodes.HANDLER, 10)).isEqualTo(1);
        SlotInfo done = mailbox.slotInfo(CallHandle.slotOf(handle));
        assertThat(done.state()).isEqualTo(SlotState.DONE);
        assertThat(SlotFlags.describe(done.flags())).contains("executed");

        assertThat(caller.pollReplies(collect, 10)).isEqualTo(1);
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(r.correlationId()).isEqualTo(42);
            assertThat(r.status()).isEqualTo(MailboxStatus.OK);
            assertThat(new String(r.result(), StandardCharsets.UTF_8)).isEqualTo("cba");
        });
        assertThat(mailbox.slotInfo(CallHandle.slotOf(handle)).state()).isEqualTo(SlotState.FREE);
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(64);
    }

    @Test
    void generationAdvancesSoAnOldHandleIsStale() {
        long first = caller.call(TestOpcodes.ECHO, 0, 1, bytes("x"));
        callee.poll(TestOpcodes.HANDLER, 10);
        caller.pollReplies(collect, 10);
        assertThat(mailbox.revoke(first)).isEqualTo(MailboxStatus.STALE_HANDLE);
        assertThat(mailbox.modify(first, TestOpcodes.ECHO, ParamWriter.EMPTY)).isEqualTo(MailboxStatus.STALE_HANDLE);
        assertThat(callee.complete(first, 0, ParamWriter.EMPTY)).isEqualTo(MailboxStatus.STALE_HANDLE);
    }

    @Test
    void fullMailboxSaysSoAndRecoversWhenRepliesAreConsumed() {
        for (int i = 0; i < 64; i++) {
            assertThat(caller.call(TestOpcodes.ECHO, 0, i, bytes("p" + i))).isPositive();
        }
        assertThat(caller.call(TestOpcodes.ECHO, 0, 99, bytes("overflow"))).isEqualTo(MailboxStatus.MAILBOX_FULL);
        assertThat(callee.poll(TestOpcodes.HANDLER, 100)).isEqualTo(64);
        assertThat(caller.pollReplies(collect, 100)).isEqualTo(64);
        assertThat(replies)
                .extracting(Reply::correlationId)
                .doesNotHaveDuplicates()
                .hasSize(64);
        assertThat(caller.call(TestOpcodes.ECHO, 0, 99, bytes("room again"))).isPositive();
    }

    @Test
    void oversizeParametersAreRefusedWithoutTouchingTheNeighbourSlot() {
        long neighbour = caller.call(TestOpcodes.ECHO, 0, 1, bytes("neighbour"));
        int capacity = caller.paramCapacity();
        assertThat(caller.call(TestOpcodes.ECHO, 0, 2, new byte[capacity + 1])).isEqualTo(MailboxStatus.TOO_LARGE);
        // A writer that runs off the end of its region is stopped by the segment bounds.
        long rc = caller.call(TestOpcodes.ECHO, 0, 3, region -> {
            for (long i = 0; ; i++) {
                region.set(ValueLayout.JAVA_BYTE, i, (byte) 0x7f);
            }
        });
        assertThat(rc).isEqualTo(MailboxStatus.TOO_LARGE);
        assertThat(caller.call(TestOpcodes.ECHO, 0, 4, region -> -5)).isEqualTo(MailboxStatus.TOO_LARGE);
        assertThat(caller.call(TestOpcodes.ECHO, 0, 5, new byte[capacity])).isPositive();

        callee.poll(TestOpcodes.HANDLER, 10);
        caller.pollReplies(collect, 10);
        assertThat(replies)
                .filteredOn(r -> r.correlationId() == 1)
                .singleElement()
                .satisfies(r -> assertThat(new String(r.result(), StandardCharsets.UTF_8))
                        .isEqualTo("neighbour"));
        assertThat(replies)
                .filteredOn(r -> r.correlationId() == 5)
                .singleElement()
                .satisfies(r -> assertThat(r.result()).hasSize(capacity));
        assertThat(mailbox.slotInfo(CallHandle.slotOf(neighbour)).state()).isEqualTo(SlotState.FREE);
        assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(64);
    }

    @Test
    void unknownOpcodeFailingHandlerAndSilentHandlerGetTypedStatuses() {
        caller.call(999, 0, 1, bytes("?"));
        caller.call(TestOpcodes.FAIL, 0, 2, bytes("boom"));
        caller.call(7, 0, 3, bytes("silent"));
        callee.poll(
                request -> {
                    if (request.opcode() == 7) {
                        return;
                    }
                    TestOpcodes.HANDLER.onRequest(request);
                },
                10);
        caller.pollReplies(collect, 10);
        assertThat(replies)
                .extracting(Reply::correlationId, Reply::status)
                .containsExactlyInAnyOrder(
                        Tuple.tuple(1L, MailboxStatus.UNKNOWN_OPCODE),
                        Tuple.tuple(2L, MailboxStatus.CALLEE_FAILED),
                        Tuple.tuple(3L, MailboxStatus.CALLEE_FAILED));
        assertThat(replies)
                .filteredOn(r -> r.correlationId() == 2)
                .singleElement()
                .satisfies(r -> assertThat(new String(r.result(), StandardCharsets.UTF_8))
                        .contains("asked to fail"));
    }

    @Test
    void deferredCallIsCompletedLater() {
        caller.call(TestOpcodes.ECHO, 0, 5, bytes("later"));
        long[] deferred = new long[1];
        callee.poll(request -> deferred[0] = request.defer(), 10);
        assertThat(mailbox.slotInfo(CallHandle.slotOf(deferred[0])).state()).isEqualTo(SlotState.TAKEN);
        assertThat(caller.pollReplies(collect, 10)).isZero();
        assertThat(callee.complete(deferred[0], 17, ParamWriter.of(bytes("done"))))
                .isEqualTo(MailboxStatus.OK);
        assertThat(callee.complete(deferred[0], 17, ParamWriter.EMPTY)).isEqualTo(MailboxStatus.STALE_HANDLE);
        caller.pollReplies(collect, 10);
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(17);
            assertThat(new String(r.result(), StandardCharsets.UTF_8)).isEqualTo("done");
        });
    }

    @Test
    void revokingAPostedCallCompletesItCancelledAndTheCalleeNeverSeesIt() {
        long handle = caller.call(TestOpcodes.ECHO, 0, 8, bytes("never"));
        assertThat(mailbox.revoke(handle)).isEqualTo(MailboxStatus.OK);
        assertThat(mailbox.revoke(handle)).isEqualTo(MailboxStatus.TOO_LATE);
        List<Long> seen = new ArrayList<>();
        assertThat(callee.poll(r -> seen.add(r.correlationId()), 10)).isZero();
        caller.pollReplies(collect, 10);
        assertThat(seen).isEmpty();
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(MailboxStatus.CANCELLED);
            assertThat(r.flags() & SlotFlags.EXECUTED).isZero();
        });
    }

    @Test
    void revokingATakenCallIsSeenByTheCalleeAndTheCallerGetsCancelled() {
        long handle = caller.call(TestOpcodes.ECHO, 0, 9, bytes("work"));
        long[] deferred = new long[1];
        callee.poll(r -> deferred[0] = r.defer(), 10);
        assertThat(mailbox.revoke(handle)).isEqualTo(MailboxStatus.CANCEL_REQUESTED);
        assertThat(SlotFlags.describe(
                        mailbox.slotInfo(CallHandle.slotOf(handle)).flags()))
                .contains("cancel-requested");
        // The callee finished anyway: the caller still gets CANCELLED, flagged as executed.
        callee.complete(deferred[0], MailboxStatus.OK, ParamWriter.of(bytes("result")));
        caller.pollReplies(collect, 10);
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(MailboxStatus.CANCELLED);
            assertThat(r.flags() & SlotFlags.EXECUTED).isNotZero();
        });
    }

    @Test
    void aCancelledCallStillPostedWhenTheCalleeChecksIsNotHandled() {
        long handle = caller.call(TestOpcodes.HANG, 0, 10, bytes("hang"));
        List<Boolean> cancelSeen = new ArrayList<>();
        callee.poll(
                request -> {
                    mailbox.revoke(handle);
                    cancelSeen.add(request.isCancelRequested());
                    request.reply(MailboxStatus.CANCELLED, 0);
                },
                10);
        caller.pollReplies(collect, 10);
        assertThat(cancelSeen).containsExactly(true);
        assertThat(replies)
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(MailboxStatus.CANCELLED));
    }

    @Test
    void modifyRewritesAPostedCallButNotATakenOne() {
        long handle = caller.call(TestOpcodes.ECHO, 0, 11, bytes("old"));
        assertThat(mailbox.modify(handle, TestOpcodes.REVERSE, ParamWriter.of(bytes("new params"))))
                .isEqualTo(MailboxStatus.OK);
        assertThat(mailbox.modify(handle, TestOpcodes.ECHO, ParamWriter.of(new byte[10_000])))
                .isEqualTo(MailboxStatus.TOO_LARGE);
        // A writer that has written part of its parameters when it overflows: the posted ones stay whole.
        ParamWriter overflowingPartway = region -> {
            MemorySegment.copy(MemorySegment.ofArray(bytes("garbage")), 0, region, 0, 7);
            region.set(ValueLayout.JAVA_BYTE, region.byteSize(), (byte) 1);
            return 8;
        };
        assertThat(mailbox.modify(handle, TestOpcodes.ECHO, overflowingPartway)).isEqualTo(MailboxStatus.TOO_LARGE);
        callee.poll(TestOpcodes.HANDLER, 10);
        caller.pollReplies(collect, 10);
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(r.opcode()).isEqualTo(TestOpcodes.REVERSE);
            assertThat(new String(r.result(), StandardCharsets.UTF_8)).isEqualTo("smarap wen");
            assertThat(r.flags() & SlotFlags.MODIFIED).isNotZero();
        });

        long taken = caller.call(TestOpcodes.ECHO, 0, 12, bytes("x"));
        callee.poll(r -> r.defer(), 10);
        assertThat(mailbox.modify(taken, TestOpcodes.REVERSE, ParamWriter.EMPTY))
                .isEqualTo(MailboxStatus.TOO_LATE);
    }

    @Test
    void callerIndexHeldByALiveProcessIsRefused() {
        // This process holds index 2 already; attaching again from the same process is allowed (same owner).
        assertThat(MailboxCaller.attach(mailbox, 2).callerIndex()).isEqualTo(2);
        Assertions.assertThatThrownBy(() -> MailboxCaller.attach(mailbox, 8))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
