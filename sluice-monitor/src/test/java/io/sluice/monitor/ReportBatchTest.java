package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * How long a batch of reports may wait for more: a bounded number of turns of the inbound loop, counted afresh per
 * batch.
 */
class ReportBatchTest {
    @Test
    void aBatchWaitsAtMostItsTurnsForMoreReportsAndEachNewBatchAsLong() {
        ReportBatch batch = new ReportBatch(16 * 1024, 64, 3);
        StatsPart part = onePart(7);
        assertThat(batch.append(part, true)).isTrue();
        assertThat(batch.mayWaitAnotherTurn()).isTrue();
        assertThat(batch.mayWaitAnotherTurn()).isTrue();
        assertThat(batch.mayWaitAnotherTurn()).isTrue();
        assertThat(batch.mayWaitAnotherTurn())
                .as("a fourth turn, with three allowed")
                .isFalse();
        assertThat(batch.mayWaitAnotherTurn()).isFalse();

        batch.seal();
        assertThat(batch.framesEnded()).isEqualTo(1);
        assertThat(batch.firstGatewayId()).isEqualTo(7);
        batch.reset();
        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.append(onePart(8), true)).isTrue();
        assertThat(batch.mayWaitAnotherTurn())
                .as("the next batch counts its own turns")
                .isTrue();
    }

    @Test
    void reportsFromSeveralGatewaysShareOneBatchUntilItIsFull() {
        ReportBatch batch = new ReportBatch(16 * 1024, 64, 16);
        int appended = 0;
        while (batch.append(onePart(appended + 1), true)) {
            appended++;
        }
        // One-volume reports: the 16 KiB slot, not the 64-entry bound, ends the batch, after dozens of gateways.
        assertThat(appended).isGreaterThan(30).isLessThan(64);
        batch.seal();
        assertThat(batch.framesEnded()).isEqualTo(appended);
        assertThat(batch.firstGatewayId()).isEqualTo(1);
    }

    private static StatsPart onePart(long gatewayId) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(1));
        StatsWriter writer = new StatsWriter();
        writer.begin(frame, 1, gatewayId, false, 1, 1, 1_000_000, 1_000, 1);
        writer.volume(0).volumeId(1);
        writer.commit();
        StatsPart part = new StatsPart();
        part.of(frame, 0, 0, 1, false);
        return part;
    }
}
