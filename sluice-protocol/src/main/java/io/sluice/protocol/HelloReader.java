package io.sluice.protocol;

import static io.sluice.protocol.HelloDescriptor.*;

import java.nio.ByteBuffer;

/** Reads HELLO. Volume entries are read by index, {@code 0 <= index < volumeCount()}. */
public final class HelloReader extends FrameReader {
    public HelloReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public HelloReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long capabilities() {
        return buffer.getLong(offset + CAPABILITIES_OFFSET);
    }

    public int volumeCount() {
        return buffer.getInt(offset + VOLUME_COUNT_OFFSET);
    }

    public String gatewayName() {
        return ByteFields.getUtf8(buffer, offset + volumeOffset(volumeCount()), buffer.getInt(offset + NAME_LENGTH_OFFSET));
    }

    public int volumeId(int index) {
        return buffer.getInt(entry(index) + VolumeDescriptor.ID_OFFSET);
    }

    public int volumeFlags(int index) {
        return buffer.getShort(entry(index) + VolumeDescriptor.FLAGS_OFFSET) & 0xFFFF;
    }

    public long volumeCapacity(int index) {
        return buffer.getLong(entry(index) + VolumeDescriptor.CAPACITY_OFFSET);
    }

    public String volumeName(int index) {
        return VolumeDescriptor.name(buffer, entry(index));
    }

    private int entry(int index) {
        if (index < 0 || index >= volumeCount()) {
            throw new IndexOutOfBoundsException("volume " + index + " of " + volumeCount());
        }
        return offset + volumeOffset(index);
    }
}
