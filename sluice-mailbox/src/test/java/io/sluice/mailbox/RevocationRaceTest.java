package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Revocation racing with a live callee in another thread: whatever the interleaving, the caller gets exactly one reply
 * per call, and its status agrees with what the revoke call returned.
 */
class RevocationRaceTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void revokeRacingWithTakeAndCompleteAlwaysEndsInOneConsistentReply() throws Exception {
        Path file = TestMailboxes.newFile("revoke");
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small());
                MailboxService service = new MailboxService(
                                MailboxCallee.attach(mailbox), TestOpcodes.HANDLER, 1_000_000, "revoke-callee")
                        .start()) {
            MailboxCaller caller = MailboxCaller.attach(mailbox, 0);
            SplittableRandom random = new SplittableRandom(20261122);
            int[] outcomes = new int[3];
            for (int i = 0; i < 20_000; i++) {
                long handle = caller.call(TestOpcodes.ECHO, 0, i, new byte[] {(byte) i});
                // Spin a random short while so the revoke lands before, during and after the take.
                for (int s = random.nextInt(0, 400); s > 0; s--) {
                    Thread.onSpinWait();
                }
                int rc = mailbox.revoke(handle);
                Reply[] reply = new Reply[1];
                int got = 0;
                while (got == 0) {
                    got = caller.pollReplies(
                            v -> reply[0] = new Reply(
                                    v.correlationId(),
                                    v.opcode(),
                                    v.status(),
                                    v.flags(),
                                    v.deliveries(),
                                    v.resultBytes()),
                            1);
                }
                assertThat(reply[0].correlationId()).isEqualTo(i);
                switch (rc) {
                    case MailboxStatus.OK -> {
                        assertThat(reply[0].status()).isEqualTo(MailboxStatus.CANCELLED);
                        assertThat(reply[0].flags() & SlotFlags.EXECUTED).isZero();
                        outcomes[0]++;
                    }
                    case MailboxStatus.CANCEL_REQUESTED -> {
                        assertThat(reply[0].status()).isEqualTo(MailboxStatus.CANCELLED);
                        outcomes[1]++;
                    }
                    case MailboxStatus.TOO_LATE -> {
                        assertThat(reply[0].status()).isEqualTo(MailboxStatus.OK);
                        assertThat(reply[0].result()).containsExactly((byte) i);
                        outcomes[2]++;
                    }
                    default -> throw new AssertionError("unexpected revoke result " + MailboxStatus.name(rc));
                }
            }
            assertThat(caller.pollReplies(
                            v -> {
                                throw new AssertionError("extra reply " + v.correlationId());
                            },
                            100))
                    .isZero();
            // Both "before the take" and "after the reply" must have happened for the race to mean anything.
            assertThat(outcomes[0]).isPositive();
            assertThat(outcomes[2]).isPositive();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
