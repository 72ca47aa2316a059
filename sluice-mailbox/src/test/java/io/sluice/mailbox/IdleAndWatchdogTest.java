package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleAndWatchdogTest {
    @Test
    void idleCalleeSleepsInTheKernelAndWakesForACall() throws Exception {
        Path file = TestMailboxes.newFile("idle");
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small());
                MailboxService service = new MailboxService(
                                MailboxCallee.attach(mailbox),
                                TestOpcodes.HANDLER,
                                MailboxService.DEFAULT_SPIN_NANOS,
                                "idle-callee")
                        .start();
                MailboxClient client = MailboxClient.attach(mailbox, 0)) {
            assertThat(client.call(TestOpcodes.ECHO, new byte[] {1})
                            .get(10, TimeUnit.SECONDS)
                            .status())
                    .isZero();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long tid = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("idle-callee"))
                    .findFirst()
                    .orElseThrow()
                    .threadId();
            Thread.sleep(200);
            long cpuBefore = threads.getThreadCpuTime(tid);
            Thread.sleep(1_000);
            long cpuUsed = threads.getThreadCpuTime(tid) - cpuBefore;
            // A spinning loop would burn ~1 s of CPU here; a sleeping one wakes ~10 times for housekeeping.
            assertThat(cpuUsed)
                    .as("CPU ns used by an idle callee in 1 s")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
            assertThat(mailbox.requestDoorbell().waiters()).isEqualTo(1);
            CompletableFuture<Reply> reply = client.call(TestOpcodes.ECHO, new byte[] {2});
            assertThat(reply.get(10, TimeUnit.SECONDS).result()).containsExactly(2);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void watchdogFlagsStuckSlotsAndHungCallees() throws Exception {
        Path file = TestMailboxes.newFile("watchdog");
        ManualEpochClock clock = new ManualEpochClock(1_000_000);
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small(), clock)) {
            MailboxWatchdog watchdog = new MailboxWatchdog(5_000, 3_000);
            MailboxCaller caller = MailboxCaller.attach(mailbox, 0);
            caller.call(TestOpcodes.ECHO, 0, 1, new byte[] {1});
            assertThat(watchdog.check(MailboxSnapshot.take(mailbox)))
                    .extracting(MailboxWatchdog.Finding::kind)
                    .containsExactly(MailboxWatchdog.Kind.NO_CALLEE);

            MailboxCallee callee = MailboxCallee.attach(mailbox);
            callee.poll(r -> r.defer(), 10);
            clock.advance(4_000);
            assertThat(watchdog.check(MailboxSnapshot.take(mailbox)))
                    .extracting(MailboxWatchdog.Finding::kind)
                    .containsExactly(MailboxWatchdog.Kind.HUNG_CALLEE);
            clock.advance(2_000);
            assertThat(watchdog.check(MailboxSnapshot.take(mailbox)))
                    .extracting(MailboxWatchdog.Finding::kind)
                    .containsExactlyInAnyOrder(MailboxWatchdog.Kind.HUNG_CALLEE, MailboxWatchdog.Kind.STUCK_SLOT);
            callee.doHousekeeping();
            assertThat(watchdog.check(MailboxSnapshot.take(mailbox)))
                    .extracting(MailboxWatchdog.Finding::kind)
                    .containsExactly(MailboxWatchdog.Kind.STUCK_SLOT);
            MailboxSnapshot snapshot = MailboxSnapshot.take(mailbox);
            assertThat(snapshot.slots()).singleElement().satisfies(s -> {
                assertThat(s.state()).isEqualTo("TAKEN");
                assertThat(s.ageMs()).isEqualTo(6_000);
                assertThat(s.calleePid()).isEqualTo(ProcessHandle.current().pid());
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aCallTakenAndNeverAnsweredIsStuckOnceItOutlivesTheDeadline() throws Exception {
        Path file = TestMailboxes.newFile("stuck");
        ManualEpochClock clock = new ManualEpochClock(1_000_000);
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small(), clock)) {
            StuckCalls stuck = new StuckCalls(mailbox, 30_000);
            MailboxCaller caller = MailboxCaller.attach(mailbox, 2);
            MailboxCallee callee = MailboxCallee.attach(mailbox);
            caller.call(TestOpcodes.ECHO, 0, 1, new byte[] {1});
            caller.call(TestOpcodes.ECHO, 0, 2, new byte[] {2});
            assertThat(stuck.problem())
                    .as("posted, not taken: the loop watch's business")
                    .isNull();
            long[] lost = new long[1];
            callee.poll(r -> lost[0] = r.defer(), 1);
            clock.advance(30_000);
            assertThat(stuck.problem()).isNull();
            clock.advance(1);
            assertThat(stuck.problem())
                    .startsWith("1 call(s) taken and not answered")
                    .contains("opcode 0x" + Integer.toHexString(TestOpcodes.ECHO), "caller 2", "30001 ms");
            callee.complete(lost[0], MailboxStatus.OK, ParamWriter.EMPTY);
            assertThat(stuck.problem()).as("answered at last").isNull();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
