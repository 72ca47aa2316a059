package io.sluice.protocol;

import static io.sluice.protocol.EventDescriptor.*;

import java.nio.ByteBuffer;

/** Reads EVENT. */
public final class EventReader extends FrameReader {
    public EventReader wrap(ByteBuffer buffer, int offset) {
        wrapFrame(buffer, offset);
        return this;
    }

    public EventReader wrap(FrameDecoder decoder) {
        return wrap(decoder.buffer(), decoder.frameOffset());
    }

    public long occurredAtMillis() {
        return buffer.getLong(offset + OCCURRED_AT_OFFSET);
    }

    public EventKind kind() {
        return EventKind.fromCode(buffer.getShort(offset + KIND_OFFSET) & 0xFFFF);
    }

    public int errorCode() {
        return buffer.getInt(offset + ERROR_CODE_OFFSET);
    }

    public long usedBytes() {
        return buffer.getLong(offset + USED_OFFSET);
    }

    public int volumeId() {
        return VolumeDescriptor.id(buffer, offset + VOLUME_OFFSET);
    }

    public int volumeFlags() {
        return VolumeDescriptor.flags(buffer, offset + VOLUME_OFFSET);
    }

    public long volumeCapacity() {
        return VolumeDescriptor.capacity(buffer, offset + VOLUME_OFFSET);
    }

    public String volumeName() {
        return VolumeDescriptor.name(buffer, offset + VOLUME_OFFSET);
    }

    public String message() {
        return ByteFields.getUtf8(
                buffer, offset + MESSAGE_OFFSET, buffer.getShort(offset + MESSAGE_LENGTH_OFFSET) & 0xFFFF);
    }
}
