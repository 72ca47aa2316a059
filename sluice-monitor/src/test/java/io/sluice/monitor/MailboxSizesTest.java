package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.HelloDescriptor;
import io.sluice.protocol.ReportBatchDescriptor;
import io.sluice.protocol.ReportBatchWriter;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumesDescriptor;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The mailbox slots and buffers a report or a throttle set crosses, against the protocol's limits. */
class MailboxSizesTest {
    @Test
    void aServicesSlotHoldsABatchWithAReportPartOfAtLeastFiftyVolumes() {
        int capacity = ServerMailboxes.SERVICES.paramCapacity();
        int perPart = ReportBatchDescriptor.volumesPerEntry(capacity);
        int batchOverhead = ReportBatchDescriptor.HEADER_LENGTH + ReportBatchDescriptor.INDEX_ENTRY_LENGTH;
        assertThat(perPart).isGreaterThanOrEqualTo(50);
        assertThat(StatsDescriptor.frameLength(perPart) + batchOverhead).isLessThanOrEqualTo(capacity);
        assertThat(StatsDescriptor.frameLength(perPart + 1) + batchOverhead).isGreaterThan(capacity);
        ReportBatchWriter batch = new ReportBatchWriter(ReportForwarder.REPORTS_PER_BATCH)
                .wrap(MemorySegment.ofArray(new byte[capacity]));
        assertThat(batch.reserve(StatsDescriptor.frameLength(perPart))).isPositive();
    }

    @Test
    void everyThrottleSetFrameTheMonitorSendsFitsItsSlotAndTheOutboundBuffer() {
        int perCall = ThrottleSetDescriptor.maxVolumes(ServerMailboxes.MONITOR.paramCapacity());
        assertThat(perCall).isGreaterThanOrEqualTo(40);
        assertThat(ThrottleSetDescriptor.frameLength(perCall))
                .isLessThanOrEqualTo(ServerMailboxes.MONITOR.paramCapacity())
                .isLessThanOrEqualTo(OutboundThread.SCRATCH_BYTES);
    }

    @Test
    void aGatewaysVolumesAreAnnouncedToTheServicesInPartsThatFitTheirSlots() {
        int perPart = GatewayVolumesDescriptor.volumesPerPart(ServerMailboxes.SERVICES.paramCapacity());
        assertThat(perPart).isGreaterThanOrEqualTo(100);
        assertThat(GatewayVolumesDescriptor.length(perPart, HelloDescriptor.MAX_NAME_LENGTH))
                .isLessThanOrEqualTo(ServerMailboxes.SERVICES.paramCapacity());
    }

    @Test
    void aGatewayOfTheSupportedMaximumAnnouncesItselfInOneFrame() {
        assertThat(VolumesDescriptor.frameLength(HelloDescriptor.MAX_VOLUMES))
                .isLessThanOrEqualTo(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
        assertThat(VolumeIdsDescriptor.frameLength(HelloDescriptor.MAX_VOLUMES))
                .isLessThanOrEqualTo(OutboundThread.SCRATCH_BYTES);
    }
}
