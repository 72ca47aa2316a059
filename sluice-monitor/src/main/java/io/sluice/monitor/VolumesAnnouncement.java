package io.sluice.monitor;

import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.GatewayVolumesDescriptor;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumesDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes part of a gateway's VOLUMES into a services slot as {@link GatewayVolumesDescriptor}: the volume entries
 * {@code [first, first + count)} as the gateway announced them, each with the id the server assigned instead of the one
 * proposed, the gateway's name and its HELLO's capabilities. One per inbound thread, reused.
 */
final class VolumesAnnouncement implements ParamWriter {
    private long gatewayId;
    private long capabilities;
    private byte[] gatewayName;
    private ByteBuffer frame;
    private int[] ids;
    private int first;
    private int count;

    /** @param volumesFrame a VOLUMES frame at offset 0 */
    VolumesAnnouncement of(
            long gatewayId,
            long capabilities,
            String gatewayName,
            ByteBuffer volumesFrame,
            int[] ids,
            int first,
            int count) {
        this.gatewayId = gatewayId;
        this.capabilities = capabilities;
        this.gatewayName = gatewayName.getBytes(StandardCharsets.UTF_8);
        this.frame = volumesFrame;
        this.ids = ids;
        this.first = first;
        this.count = count;
        return this;
    }

    @Override
    public int write(MemorySegment region) {
        byte[] name = gatewayName;
        int length = GatewayVolumesDescriptor.length(count, name.length);
        ByteBuffer out = region.asSlice(0, length).asByteBuffer();
        out.putLong(GatewayVolumesDescriptor.GATEWAY_ID_OFFSET, gatewayId);
        out.putInt(GatewayVolumesDescriptor.FIRST_OFFSET, first);
        out.putInt(GatewayVolumesDescriptor.TOTAL_OFFSET, ids.length);
        out.putInt(GatewayVolumesDescriptor.COUNT_OFFSET, count);
        out.putInt(GatewayVolumesDescriptor.NAME_LENGTH_OFFSET, name.length);
        out.putLong(GatewayVolumesDescriptor.CAPABILITIES_OFFSET, capabilities);
        for (int i = 0; i < count; i++) {
            int entry = GatewayVolumesDescriptor.volumeOffset(i);
            out.put(entry, frame, VolumesDescriptor.volumeOffset(first + i), VolumeDescriptor.LENGTH);
            out.putInt(entry + VolumeDescriptor.ID_OFFSET, ids[first + i]);
        }
        out.put(GatewayVolumesDescriptor.volumeOffset(count), name);
        return length;
    }
}
