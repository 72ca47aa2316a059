package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * Parameters of {@link MailboxOpcodes#SERVICES_GATEWAY_VOLUMES}: the volumes of a gateway that has just opened a
 * session, with the ids the server assigned them and their names, so the services (and through them the database and
 * every screen) know each volume by name before its first report, and what its scheduler can enforce (HELLO's
 * capabilities word, {@link Capabilities}), so the services send it no parameter it would refuse. A gateway with more
 * volumes than one slot holds is announced in consecutive parts, each with the same capabilities.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        gateway id                                             |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        first: this part's first volume among the gateway's    |  8
 *  +---------------------------------------------------------------+
 *  |        total volumes of the gateway                           | 12
 *  +---------------------------------------------------------------+
 *  |        volumes in this part                                   | 16
 *  +---------------------------------------------------------------+
 *  |        gateway name length (1..255)                           | 20
 *  +---------------------------------------------------------------+
 *  |        capabilities: HELLO's word, as the gateway sent it      | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        volume entries: count x 80 bytes (VolumeDescriptor),   | 32
 *  |        each with its assigned id                              |
 *  +---------------------------------------------------------------+
 *  |        gateway name: UTF-8                                    | 32 + 80 x count
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class GatewayVolumesDescriptor {
    public static final int GATEWAY_ID_OFFSET = 0;
    public static final int FIRST_OFFSET = 8;
    public static final int TOTAL_OFFSET = 12;
    public static final int COUNT_OFFSET = 16;
    public static final int NAME_LENGTH_OFFSET = 20;
    public static final int CAPABILITIES_OFFSET = 24;
    public static final int VOLUMES_OFFSET = 32;

    private GatewayVolumesDescriptor() {}

    public static int length(int count, int nameLength) {
        return VOLUMES_OFFSET + count * VolumeDescriptor.LENGTH + nameLength;
    }

    /** The volumes a part may hold so that it fits {@code capacity} bytes whatever the gateway's name. */
    public static int volumesPerPart(int capacity) {
        return (capacity - VOLUMES_OFFSET - HelloDescriptor.MAX_NAME_LENGTH) / VolumeDescriptor.LENGTH;
    }

    public static int volumeOffset(int index) {
        return VOLUMES_OFFSET + index * VolumeDescriptor.LENGTH;
    }

    /** Whether {@code length} bytes at 0 of {@code buffer} are a part as drawn above, every entry well-formed. */
    public static boolean isWellFormed(ByteBuffer buffer, int length) {
        if (length < VOLUMES_OFFSET) {
            return false;
        }
        long first = buffer.getInt(FIRST_OFFSET) & 0xFFFF_FFFFL;
        long total = buffer.getInt(TOTAL_OFFSET) & 0xFFFF_FFFFL;
        long count = buffer.getInt(COUNT_OFFSET) & 0xFFFF_FFFFL;
        long nameLength = buffer.getInt(NAME_LENGTH_OFFSET) & 0xFFFF_FFFFL;
        if (total > HelloDescriptor.MAX_VOLUMES
                || first + count > total
                || nameLength < 1
                || nameLength > HelloDescriptor.MAX_NAME_LENGTH
                || VOLUMES_OFFSET + count * VolumeDescriptor.LENGTH + nameLength != length) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (!VolumeDescriptor.isWellFormed(buffer, volumeOffset(i))) {
                return false;
            }
        }
        return true;
    }

    /** Reads a part at offset 0 of a buffer that {@link #isWellFormed} accepted. */
    public static final class Reader {
        private ByteBuffer buffer;

        public Reader wrap(ByteBuffer buffer) {
            this.buffer = buffer;
            return this;
        }

        public long gatewayId() {
            return buffer.getLong(GATEWAY_ID_OFFSET);
        }

        public int first() {
            return buffer.getInt(FIRST_OFFSET);
        }

        public int total() {
            return buffer.getInt(TOTAL_OFFSET);
        }

        public int count() {
            return buffer.getInt(COUNT_OFFSET);
        }

        /** What the gateway's scheduler enforces ({@link Capabilities}), as its HELLO said. */
        public long capabilities() {
            return buffer.getLong(CAPABILITIES_OFFSET);
        }

        public String gatewayName() {
            return ByteFields.getUtf8(buffer, volumeOffset(count()), buffer.getInt(NAME_LENGTH_OFFSET));
        }

        public int volumeId(int index) {
            return VolumeDescriptor.id(buffer, entry(index));
        }

        public int volumeFlags(int index) {
            return VolumeDescriptor.flags(buffer, entry(index));
        }

        public long volumeCapacity(int index) {
            return VolumeDescriptor.capacity(buffer, entry(index));
        }

        public String volumeName(int index) {
            return VolumeDescriptor.name(buffer, entry(index));
        }

        private int entry(int index) {
            if (index < 0 || index >= count()) {
                throw new IndexOutOfBoundsException("volume " + index + " of " + count());
            }
            return volumeOffset(index);
        }
    }
}
