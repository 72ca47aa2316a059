package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A seeded randomized run of over a million calls: four callers with their own caller indexes, two callees, random
 * payload sizes, random cancellations. Every call must get exactly one reply, to the caller that made it, with the
 * result computed from its own parameters.
 */
class MailboxStressTest {
    private static final long SEED = 0x5EED_2026_1122L;
    private static final int CALLERS = 4;
    private static final int CALLS_PER_CALLER = 260_000;
    private static final int WINDOW = 24;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void millionCallsNoneLostDuplicatedOrMisdelivered() throws Exception {
        Path file = TestMailboxes.newFile("stress");
        try (Mailbox mailbox = Mailbox.create(file, new MailboxGeometry(128, 512, 8, 4))) {
            List<MailboxService> services = List.of(
                    new MailboxService(MailboxCallee.attach(mailbox), STRESS_HANDLER, 20_000, "stress-callee-0")
                            .start(),
                    new MailboxService(MailboxCallee.attach(mailbox), STRESS_HANDLER, 20_000, "stress-callee-1")
                            .start());
            List<CallerRun> runs = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                CallerRun run = new CallerRun(MailboxCaller.attach(mailbox, c), new SplittableRandom(SEED + c));
                runs.add(run);
                threads.add(Thread.ofPlatform().name("stress-caller-" + c).start(run));
            }
            for (Thread t : threads) {
                t.join();
            }
            services.forEach(MailboxService::close);
            long total = 0;
            long cancelled = 0;
            for (CallerRun run : runs) {
                assertThat(run.failure)
                        .as("caller %d", run.caller.callerIndex())
                        .isNull();
                assertThat(run.replied).isEqualTo(CALLS_PER_CALLER);
                total += run.replied;
                cancelled += run.cancelled;
            }
            assertThat(total).isGreaterThanOrEqualTo(1_000_000);
            assertThat(cancelled).as("the run exercised revocation").isPositive();
            assertThat(services).allSatisfy(s -> assertThat(s.failure()).isNull());
            // Every call not revoked before its take was served by exactly one callee.
            assertThat(services.get(0).callee().served()
                            + services.get(1).callee().served())
                    .isBetween(total - cancelledBeforeTake(runs), total);
            assertThat(MailboxSnapshot.take(mailbox).freeSlots()).isEqualTo(128);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long cancelledBeforeTake(List<CallerRun> runs) {
        return runs.stream().mapToLong(r -> r.cancelledBeforeTake).sum();
    }

    /** Result = every parameter byte XOR 0x5A, reversed; status = parameter length. */
    static final RequestHandler STRESS_HANDLER = request -> {
        MemorySegment p = request.params();
        int n = request.length();
        for (int i = 0, j = n - 1; i <= j; i++, j--) {
            byte a = p.get(ValueLayout.JAVA_BYTE, i);
            byte b = p.get(ValueLayout.JAVA_BYTE, j);
            p.set(ValueLayout.JAVA_BYTE, i, (byte) (b ^ 0x5A));
            p.set(ValueLayout.JAVA_BYTE, j, (byte) (a ^ 0x5A));
        }
        request.reply(n, n);
    };

    private static final class CallerRun implements Runnable {
        final MailboxCaller caller;
        final SplittableRandom random;
        /** Outstanding calls by correlation id (dense: id = sequence number). */
        final long[] handles = new long[CALLS_PER_CALLER];

        final byte[][] params = new byte[CALLS_PER_CALLER][];
        final boolean[] done = new boolean[CALLS_PER_CALLER];
        int posted;
        long replied;
        long cancelled;
        long cancelledBeforeTake;
        volatile Throwable failure;

        CallerRun(MailboxCaller caller, SplittableRandom random) {
            this.caller = caller;
            this.random = random;
        }

        @Override
        public void run() {
            try {
                ReplyHandler check = this::check;
                while (replied < CALLS_PER_CALLER) {
                    while (posted < CALLS_PER_CALLER && posted - replied < WINDOW) {
                        byte[] payload = new byte[random.nextInt(0, 384)];
                        random.nextBytes(payload);
                        // The first 8 bytes name the caller and call, so a misdelivery cannot go unnoticed.
                        if (payload.length >= 8) {
                            long tag = ((long) caller.callerIndex() << 32) | posted;
                            MemorySegment.ofArray(payload).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, tag);
                        }
                        long handle = caller.call(7, 0, posted, payload);
                        if (handle == MailboxStatus.MAILBOX_FULL) {
                            break;
                        }
                        assertThat(handle).isPositive();
                        handles[posted] = handle;
                        params[posted] = payload;
                        if (random.nextInt(100) == 0) {
                            int rc = caller.cancel(handle);
                            assertThat(rc)
                                    .isIn(MailboxStatus.OK, MailboxStatus.CANCEL_REQUESTED, MailboxStatus.TOO_LATE);
                        }
                        posted++;
                    }
                    if (caller.pollReplies(check, 64) == 0) {
                        caller.awaitReplies(TimeUnit.MILLISECONDS.toNanos(50));
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void check(ReplyView reply) {
            long id = reply.correlationId();
            if (id < 0 || id >= posted) {
                throw new AssertionError("reply for a call this caller never made: " + id);
            }
            int i = (int) id;
            if (done[i]) {
                throw new AssertionError("duplicate reply for call " + id);
            }
            if (reply.handle() != handles[i]) {
                throw new AssertionError("reply for call " + id + " came from another slot/generation");
            }
            done[i] = true;
            replied++;
            byte[] p = params[i];
            params[i] = null;
            if (reply.status() == MailboxStatus.CANCELLED) {
                cancelled++;
                if ((reply.flags() & SlotFlags.EXECUTED) == 0) {
                    cancelledBeforeTake++;
                }
                return;
            }
            if (reply.status() != p.length || reply.length() != p.length) {
                throw new AssertionError("call " + id + ": status " + reply.status() + ", length " + reply.length()
                        + ", expected " + p.length);
            }
            MemorySegment r = reply.result();
            for (int k = 0; k < p.length; k++) {
                if (r.get(ValueLayout.JAVA_BYTE, k) != (byte) (p[p.length - 1 - k] ^ 0x5A)) {
                    throw new AssertionError("call " + id + ": result byte " + k + " is not from its own parameters");
                }
            }
        }
    }
}
