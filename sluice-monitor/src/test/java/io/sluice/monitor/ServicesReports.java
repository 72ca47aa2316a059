package io.sluice.monitor;

import io.sluice.mailbox.MailboxCallee;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.ReportBatchError;
import io.sluice.protocol.ReportBatchReader;
import io.sluice.protocol.StatsReader;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * What a test's stand-in for the SLA services reads in the monitor's report calls: every STATS frame, in order, whether
 * it came alone (SERVICES_STATS_REPORT) or in a batch (SERVICES_STATS_BATCH, what the monitor posts). A batch the
 * monitor damaged fails the test.
 */
final class ServicesReports {
    private ServicesReports() {}

    /** True when {@code request} carries reports. */
    static boolean carriesReports(MailboxCallee.Request request) {
        return request.opcode() == MailboxOpcodes.SERVICES_STATS_REPORT
                || request.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH;
    }

    static void forEach(MailboxCallee.Request request, Consumer<StatsReader> each) {
        ByteBuffer params = request.params().asSlice(0, request.length()).asByteBuffer();
        StatsReader stats = new StatsReader();
        if (request.opcode() == MailboxOpcodes.SERVICES_STATS_REPORT) {
            each.accept(stats.wrap(params, 0));
        } else if (request.opcode() == MailboxOpcodes.SERVICES_STATS_BATCH) {
            ReportBatchReader batch = new ReportBatchReader();
            ReportBatchError refused = batch.wrap(params, request.length());
            if (refused != null) {
                throw new AssertionError("the monitor posted a batch the services refuse: " + refused);
            }
            for (int i = 0; i < batch.entryCount(); i++) {
                ReportBatchError damaged = batch.check(i);
                if (damaged != null) {
                    throw new AssertionError("entry " + i + " of a batch the monitor posted is refused: " + damaged);
                }
                each.accept(stats.wrap(params, batch.entryOffset(i)));
            }
        }
    }
}
