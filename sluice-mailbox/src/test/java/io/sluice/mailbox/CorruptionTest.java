package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hostile or buggy process scribbles over a mailbox in use. Whatever it wrote, every party must get through open,
 * inspection, recovery, serving and consuming with typed errors at worst: no unexpected exception, no hang, and calls
 * in slots it did not touch still answered correctly.
 */
class CorruptionTest {
    static LongStream seeds() {
        return LongStream.rangeClosed(1, Long.getLong("sluice.corruption.seeds", 60));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void randomScribblesGiveTypedErrorsNeverCrashesOrHangs(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Path file = TestMailboxes.newFile("corrupt-" + seed);
        MailboxGeometry geometry = TestMailboxes.small();
        try {
            long[] handles = new long[20];
            try (Mailbox mailbox = Mailbox.create(file, geometry)) {
                MailboxCaller caller = MailboxCaller.attach(mailbox, 1);
                for (int i = 0; i < handles.length; i++) {
                    handles[i] = caller.call(
                            TestOpcodes.REVERSE, i % 2 == 0 ? SlotFlags.IDEMPOTENT : 0, i, ("payload-" + i).getBytes());
                }
                caller.close();
            }
            Set<Integer> touched = new HashSet<>();
            boolean headerHit = scribble(file, geometry, random, touched);
            Mailbox mailbox;
            try {
                mailbox = Mailbox.open(file);
            } catch (MailboxFormatException e) {
                assertThat(headerHit)
                        .as("only a damaged header may make the file unusable: " + e.getMessage())
                        .isTrue();
                return;
            }
            try (mailbox) {
                MailboxSnapshot snapshot = MailboxSnapshot.take(mailbox);
                new MailboxWatchdog(1_000, 1_000).check(snapshot);
                MailboxRecovery.sweep(mailbox);
                MailboxCallee callee = MailboxCallee.attach(mailbox);
                MailboxCaller caller = MailboxCaller.attach(mailbox, 1);
                for (int round = 0; round < 5; round++) {
                    callee.poll(TestOpcodes.HANDLER, 100);
                    caller.pollReplies(
                            reply -> {
                                if (!touched.contains(reply.slot()) && reply.correlationId() < handles.length) {
                                    // A call in a slot nobody scribbled on must be answered with its own payload.
                                    long id = reply.correlationId();
                                    String expected = new StringBuilder("payload-" + id)
                                            .reverse()
                                            .toString();
                                    if (reply.status() != MailboxStatus.OK
                                            || !new String(reply.resultBytes()).equals(expected)) {
                                        fail("untouched call " + id + ": " + MailboxStatus.name(reply.status()) + " "
                                                + new String(reply.resultBytes()));
                                    }
                                }
                            },
                            100);
                    MailboxRecovery.sweep(mailbox);
                }
                // The mailbox still works for new calls.
                long fresh = caller.call(TestOpcodes.ECHO, 0, 999, new byte[] {42});
                if (fresh > 0) {
                    callee.poll(TestOpcodes.HANDLER, 100);
                    boolean[] seen = new boolean[1];
                    for (int i = 0; i < 100 && !seen[0]; i++) {
                        caller.pollReplies(reply -> seen[0] |= reply.correlationId() == 999, 100);
                        callee.poll(TestOpcodes.HANDLER, 100);
                    }
                    assertThat(seen[0])
                            .as("a fresh call is answered after recovery")
                            .isTrue();
                } else {
                    assertThat(fresh).isIn((long) MailboxStatus.MAILBOX_FULL, (long) MailboxStatus.LOCK_TIMEOUT);
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Overwrites random bytes: mostly in slots, sometimes in bitmaps, entries or the header. Returns true if the header
     * was hit.
     */
    private static boolean scribble(Path file, MailboxGeometry g, SplittableRandom random, Set<Integer> touched)
            throws Exception {
        boolean headerHit = false;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long slots = MailboxDescriptor.slotsOffset(g.slotCount(), g.maxCallers(), g.maxCallees());
            int writes = random.nextInt(1, 40);
            for (int i = 0; i < writes; i++) {
                long at;
                int zone = random.nextInt(10);
                if (zone == 0) {
                    at = random.nextLong(0, MailboxDescriptor.HEADER_LENGTH);
                    headerHit |= at < 32;
                } else if (zone <= 2) {
                    at = random.nextLong(MailboxDescriptor.HEADER_LENGTH, slots);
                } else {
                    // Slot headers, where the state machine lives.
                    int slot = random.nextInt(g.slotCount());
                    touched.add(slot);
                    at = slots + (long) slot * g.slotSize() + random.nextInt(128);
                }
                raf.seek(at);
                byte[] junk = new byte[random.nextInt(1, 9)];
                random.nextBytes(junk);
                raf.write(junk);
            }
        }
        return headerHit;
    }
}
