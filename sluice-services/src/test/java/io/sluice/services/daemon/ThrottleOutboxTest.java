package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.services.control.ThrottleParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox against a monitor played by this test: a callee on a real mailbox file with the monitor's slot size,
 * polled on the test's thread between the outbox's steps.
 */
class ThrottleOutboxTest {
    private static final long GATEWAY = 3;
    private final Path file =
            Path.of("/dev/shm", "sluice-outbox-test-" + ProcessHandle.current().pid() + "-monitor");
    private final List<long[]> undelivered = new ArrayList<>();
    private Mailbox mailbox;
    private MailboxCaller caller;
    private MailboxCallee monitor;

    private void monitorMailbox(int slots) {
        mailbox = Mailbox.create(file, new MailboxGeometry(slots, ServerMailboxes.MONITOR.slotSize(), 16, 2));
        caller = MailboxCaller.attach(mailbox, ServerMailboxes.CALLER_SERVICES);
        monitor = MailboxCallee.attach(mailbox);
    }

    @AfterEach
    void removeMailbox() throws Exception {
        if (monitor != null) {
            monitor.close();
            caller.close();
            mailbox.close();
        }
        Files.deleteIfExists(file);
    }

    private ThrottleOutbox outbox() {
        return new ThrottleOutbox(
                ServerMailboxes.MONITOR.paramCapacity(),
                1_000,
                (gateway, volumes) -> IntStream.of(volumes).forEach(v -> undelivered.add(new long[] {gateway, v})));
    }

    private static List<ThrottleParams> sets(int count) {
        List<ThrottleParams> sets = new ArrayList<>();
        for (int v = 1; v <= count; v++) {
            sets.add(new ThrottleParams(v, 5, 1, 100 * v, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        }
        return sets;
    }

    /**
     * A services process stops with THROTTLE_SETs in the monitor's mailbox; its successor's outbox (same caller index,
     * command ids starting at the same place) counts their replies as inherited, frees their slots, and neither marks
     * its own calls answered by them nor asks the analyzer to resend volumes it never sent.
     */
    @Test
    void aPredecessorsCallsAreCollectedAsInheritedNotAsTheSuccessorsOwn() {
        monitorMailbox(64);
        ThrottleOutbox predecessor = outbox();
        predecessor.enqueue(GATEWAY, sets(2));
        predecessor.flush(caller);
        caller.close();

        caller = MailboxCaller.attach(mailbox, ServerMailboxes.CALLER_SERVICES);
        assertThat(caller.resumption().posted()).isEqualTo(1);
        ThrottleOutbox successor = outbox();
        successor.enqueue(GATEWAY, sets(1));
        successor.flush(caller);
        assertThat(successor.inFlight()).isEqualTo(1);
        // Both calls carry command id 1001; the monitor refuses both.
        assertThat(monitorAnswers(MailboxStatus.BAD_REQUEST)).hasSize(2);
        while (caller.pollReplies(successor::onReply, 16) > 0) {
            // until both replies are in
        }
        assertThat(successor.inheritedFailed()).isEqualTo(1);
        assertThat(successor.inheritedAcked()).isZero();
        assertThat(successor.failed()).isEqualTo(1);
        assertThat(successor.inFlight()).isZero();
        // Only the successor's own volume is sent again: the predecessor's sets went with it.
        assertThat(undelivered).containsExactly(new long[] {GATEWAY, 1});
        assertThat(caller.inheritedOutstanding()).isZero();
    }

    /** The monitor takes every call, answering each with {@code status}; returns the volume ids it saw per call. */
    private List<List<Integer>> monitorAnswers(int status) {
        List<List<Integer>> calls = new ArrayList<>();
        ThrottleSetReader reader = new ThrottleSetReader();
        monitor.poll(
                request -> {
                    assertThat(request.opcode()).isEqualTo(MailboxOpcodes.MONITOR_THROTTLE_SET);
                    reader.wrap(request.params().asSlice(0, request.length()).asByteBuffer(), 0);
                    List<Integer> volumes = new ArrayList<>();
                    for (int i = 0; i < reader.volumeCount(); i++) {
                        volumes.add(reader.volume(i).volumeId());
                    }
                    assertThat(reader.gatewayId()).isEqualTo(GATEWAY);
                    calls.add(volumes);
                    request.reply(status, 0);
                },
                1_000);
        return calls;
    }

    @Test
    void aGatewayWithMoreVolumesThanASlotHoldsGetsSeveralCallsCarryingEveryVolumeOnce() {
        monitorMailbox(64);
        ThrottleOutbox outbox = outbox();
        outbox.enqueue(GATEWAY, sets(1_000));
        assertThat(outbox.flush(caller)).isEqualTo((1_000 + 43) / 44);
        List<List<Integer>> calls = monitorAnswers(MailboxOpcodes.THROTTLE_ACKED);
        assertThat(calls).hasSize(23).allSatisfy(c -> assertThat(c).hasSizeLessThanOrEqualTo(outbox.setsPerCall()));
        assertThat(calls.stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 1_000).boxed().toList());
        caller.pollReplies(outbox::onReply, 100);
        assertThat(outbox.acked()).isEqualTo(23);
        assertThat(outbox.inFlight()).isZero();
        assertThat(undelivered).isEmpty();
    }

    /**
     * One command id a call, each the next after the last, the same in the frame the gateway sees and in the call's
     * correlation id (which its reply is matched by): an id skipped or taken twice per set would make the monitor's and
     * the gateway's logs disagree with the services' about which set is which.
     */
    @Test
    void eachCallCarriesTheNextCommandIdInItsFrameAndAsItsCorrelationId() {
        monitorMailbox(64);
        ThrottleOutbox outbox = outbox();
        outbox.enqueue(GATEWAY, sets(44 * 2 + 1));
        outbox.enqueue(GATEWAY + 1, sets(1));
        assertThat(outbox.flush(caller)).isEqualTo(4);
        List<long[]> ids = new ArrayList<>();
        ThrottleSetReader reader = new ThrottleSetReader();
        monitor.poll(
                request -> {
                    reader.wrap(request.params().asSlice(0, request.length()).asByteBuffer(), 0);
                    ids.add(new long[] {reader.commandId(), request.correlationId()});
                    request.reply(MailboxOpcodes.THROTTLE_ACKED, 0);
                },
                1_000);
        assertThat(ids)
                .containsExactly(
                        new long[] {1_001, 1_001}, new long[] {1_002, 1_002}, new long[] {1_003, 1_003}, new long[] {
                            1_004, 1_004
                        });
    }

    @Test
    void callsTheMailboxHasNoRoomForWaitAndGoAtTheNextStep() {
        monitorMailbox(4);
        ThrottleOutbox outbox = outbox();
        outbox.enqueue(GATEWAY, sets(44 * 6));
        assertThat(outbox.flush(caller)).isEqualTo(4);
        assertThat(outbox.waiting()).isEqualTo(2);
        assertThat(monitorAnswers(MailboxOpcodes.THROTTLE_STORED)).hasSize(4);
        caller.pollReplies(outbox::onReply, 100);
        assertThat(outbox.flush(caller)).isEqualTo(2);
        assertThat(monitorAnswers(MailboxOpcodes.THROTTLE_ACKED)).hasSize(2);
        caller.pollReplies(outbox::onReply, 100);
        assertThat(outbox.stored() + outbox.acked()).isEqualTo(6);
        assertThat(outbox.waiting() + outbox.inFlight()).isZero();
        assertThat(undelivered).isEmpty();
    }

    @Test
    void aCallTheMonitorRefusesIsCountedAndItsVolumesAreHandedBackToTheAnalyzer() {
        monitorMailbox(16);
        ThrottleOutbox outbox = outbox();
        outbox.enqueue(GATEWAY, sets(3));
        outbox.flush(caller);
        monitorAnswers(MailboxStatus.BAD_REQUEST);
        caller.pollReplies(outbox::onReply, 100);
        assertThat(outbox.failed()).isEqualTo(1);
        assertThat(outbox.acked()).isZero();
        assertThat(undelivered).extracting(u -> u[1]).containsExactly(1L, 2L, 3L);
        assertThat(undelivered).extracting(u -> u[0]).containsOnly(GATEWAY);
    }

    @Test
    void aGatewaysNewerSetsRewriteItsCallTheMonitorHasNotTakenYetAndGoAloneOnceItHas() {
        monitorMailbox(16);
        ThrottleOutbox outbox = outbox();
        outbox.enqueue(GATEWAY, sets(3));
        outbox.flush(caller);
        outbox.enqueue(GATEWAY, List.of(set(2, 6, 999), set(4, 6, 444)));
        assertThat(outbox.flush(caller)).isEqualTo(1);
        assertThat(outbox.merged()).isEqualTo(1);
        assertThat(outbox.posted()).as("one call in the mailbox, rewritten").isEqualTo(1);

        List<String> seen = new ArrayList<>();
        ThrottleSetReader reader = new ThrottleSetReader();
        monitor.poll(
                request -> {
                    reader.wrap(request.params().asSlice(0, request.length()).asByteBuffer(), 0);
                    for (int i = 0; i < reader.volumeCount(); i++) {
                        seen.add(reader.volume(i).volumeId() + "@"
                                + reader.volume(i).version() + ":"
                                + reader.volume(i).iopsLimit());
                    }
                    // Taken, not answered yet: the monitor is talking to the gateway.
                    request.defer();
                },
                1_000);
        assertThat(seen)
                .as("the latest set of every volume, once")
                .containsExactly("1@5:100", "2@6:999", "3@5:300", "4@6:444");

        outbox.enqueue(GATEWAY, List.of(set(1, 7, 111)));
        assertThat(outbox.flush(caller)).isEqualTo(1);
        assertThat(outbox.merged())
                .as("the monitor had taken the call: nothing to rewrite")
                .isEqualTo(1);
        assertThat(outbox.posted()).isEqualTo(2);
        assertThat(monitorAnswers(MailboxOpcodes.THROTTLE_ACKED)).containsExactly(List.of(1));
        caller.pollReplies(outbox::onReply, 100);
        assertThat(outbox.acked()).isEqualTo(1);
        assertThat(outbox.inFlight())
                .as("the deferred call is still the monitor's")
                .isEqualTo(1);
        assertThat(undelivered).isEmpty();
    }

    private static ThrottleParams set(int volumeId, long version, long iopsLimit) {
        return new ThrottleParams(volumeId, version, 1, iopsLimit, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
