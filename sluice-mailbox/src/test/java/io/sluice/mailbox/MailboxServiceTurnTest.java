package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A mailbox service never started, turned by hand on a manual clock: a turn serves the calls waiting, and a handler
 * that throws costs its call a CALLEE_FAILED answer, not the loop: the next call is served as if nothing happened.
 */
class MailboxServiceTurnTest {
    private static final long T0 = 1_800_000_000_000L;

    @Test
    void aTurnServesWhatWaitsAndSurvivesAHandlerThatThrows() throws Exception {
        Path file = TestMailboxes.newFile("service-turns");
        ManualEpochClock clock = new ManualEpochClock(T0);
        boolean[] failNext = {false};
        RequestHandler handler = request -> {
            if (failNext[0]) {
                failNext[0] = false;
                throw new IllegalStateException("damaged call");
            }
            TestOpcodes.HANDLER.onRequest(request);
        };
        try (Mailbox mailbox = Mailbox.create(file, TestMailboxes.small(), clock);
                MailboxService service = new MailboxService(MailboxCallee.attach(mailbox), handler, 0, "turned");
                MailboxCaller caller = MailboxCaller.attach(mailbox, 0)) {
            assertThat(service.doWork(clock.epochMillis())).as("nothing posted").isZero();
            assertThat(caller.call(TestOpcodes.ECHO, 0, 1, new byte[] {7})).isPositive();
            assertThat(service.doWork(clock.epochMillis())).isEqualTo(1);
            List<byte[]> results = new ArrayList<>();
            assertThat(caller.pollReplies(reply -> results.add(reply.resultBytes()), 4))
                    .isEqualTo(1);
            assertThat(results.getFirst()).containsExactly(7);

            failNext[0] = true;
            assertThat(caller.call(TestOpcodes.ECHO, 0, 2, new byte[] {8})).isPositive();
            clock.advance(10);
            assertThat(service.doWork(clock.epochMillis())).isEqualTo(1);
            List<Integer> statuses = new ArrayList<>();
            assertThat(caller.pollReplies(reply -> statuses.add(reply.status()), 4))
                    .isEqualTo(1);
            assertThat(statuses).containsExactly(MailboxStatus.CALLEE_FAILED);
            assertThat(service.loopErrors())
                    .as("the callee answered it; the loop saw nothing")
                    .isZero();
            assertThat(service.failure()).isNull();

            assertThat(caller.call(TestOpcodes.ECHO, 0, 3, new byte[] {9})).isPositive();
            clock.advance(10);
            assertThat(service.doWork(clock.epochMillis())).isEqualTo(1);
            results.clear();
            assertThat(caller.pollReplies(reply -> results.add(reply.resultBytes()), 4))
                    .isEqualTo(1);
            assertThat(results.getFirst()).as("the next call is served").containsExactly(9);
            assertThat(service.isRunning()).as("turned by hand: no thread").isFalse();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
