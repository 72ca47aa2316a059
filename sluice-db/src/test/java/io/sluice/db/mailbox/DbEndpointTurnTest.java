package io.sluice.db.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import io.sluice.db.store.KnownVolumes;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database manager's mailbox loop never started, turned by hand on a manual clock: each turn takes the calls
 * waiting and answers at once, without the database, what needs none of it.
 */
class DbEndpointTurnTest {
    private static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aTurnTakesTheCallsWaitingAndAnswersWhatNeedsNoDatabase() throws Exception {
        ManualEpochClock clock = new ManualEpochClock(T0);
        Path file = dir.resolve("db.mailbox");
        try (Mailbox mailbox = Mailbox.create(file, ServerMailboxes.DB, clock);
                DbEndpoint endpoint = new DbEndpoint(MailboxCallee.attach(mailbox), null, 1_000, new KnownVolumes());
                MailboxCaller services = MailboxCaller.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
            assertThat(endpoint.doWork(clock.epochMillis()))
                    .as("nothing posted")
                    .isZero();

            assertThat(services.call(MailboxOpcodes.DB_APPEND_SAMPLES, 0, 1, new byte[5]))
                    .isPositive();
            byte[] empty = new byte[SampleBatchDescriptor.SAMPLES_OFFSET];
            ByteBuffer.wrap(empty).putLong(0, 2);
            assertThat(services.call(MailboxOpcodes.DB_APPEND_SAMPLES, 0, 2, empty))
                    .isPositive();
            assertThat(services.call(0x0399, 0, 3, new byte[] {1})).isPositive();
            List<Integer> statuses = new ArrayList<>();
            assertThat(services.pollReplies(reply -> statuses.add(reply.status()), 8))
                    .as("not started: nothing took them")
                    .isZero();

            clock.advance(10);
            assertThat(endpoint.doWork(clock.epochMillis())).isEqualTo(3);
            assertThat(services.pollReplies(reply -> statuses.add(reply.status()), 8))
                    .isEqualTo(3);
            assertThat(statuses)
                    .as("a garbled batch, an empty one, an opcode the manager does not serve")
                    .containsExactlyInAnyOrder(CallStatus.INVALID, CallStatus.OK, CallStatus.UNKNOWN_OP);
            assertThat(endpoint.problem()).as("never started: no loop to lose").isNull();
        }
    }
}
