package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * A volume as a gateway announces it, in VOLUMES (one entry per volume) and in EVENT (the volume the event is about).
 * Fixed size, so entry {@code i} is found without walking the ones before it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        volume id: the gateway's number for the volume          |  0
 *  +-------------------------------+-------------------------------+
 *  |        flags                  |   name length (1..64)         |  4
 *  +-------------------------------+-------------------------------+
 *  |        capacity in bytes                                      |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        name: UTF-8 (the NBD export name), zero-padded         | 16
 *  |        to 64 bytes                                            |
 *  +---------------------------------------------------------------+ 80
 * </pre>
 *
 * In VOLUMES the volume id is the gateway's proposal; the server assigns each volume its id at registration
 * (VOLUME_IDS), honouring a proposal that no other volume holds, and every later frame (STATS, THROTTLE_SET,
 * THROTTLE_ACK, EVENT) uses the assigned id. A volume is known to the server by its name on its gateway, or, flagged
 * {@link #FLAG_SHARED}, by its name alone: every gateway that serves a volume of that name with the flag serves the
 * same volume (one LUN behind two hosts, say).
 */
public final class VolumeDescriptor {
    public static final int ID_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int NAME_LENGTH_OFFSET = 6;
    public static final int CAPACITY_OFFSET = 8;
    public static final int NAME_OFFSET = 16;
    public static final int MAX_NAME_LENGTH = 64;
    public static final int LENGTH = NAME_OFFSET + MAX_NAME_LENGTH;

    /** The gateway serves the volume read-only. */
    public static final int FLAG_READ_ONLY = 1;
    /** The name identifies the volume across gateways: others may serve it too (deliberately, not by accident). */
    public static final int FLAG_SHARED = 2;

    public static final int KNOWN_FLAGS = FLAG_READ_ONLY | FLAG_SHARED;

    private VolumeDescriptor() {}

    static boolean isWellFormed(ByteBuffer buffer, int entry) {
        int nameLength = buffer.getShort(entry + NAME_LENGTH_OFFSET) & 0xFFFF;
        return (buffer.getShort(entry + FLAGS_OFFSET) & ~KNOWN_FLAGS) == 0
                && nameLength >= 1
                && nameLength <= MAX_NAME_LENGTH;
    }

    static void write(ByteBuffer buffer, int entry, int volumeId, int flags, long capacityBytes, String name) {
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown volume flags: " + flags);
        }
        buffer.putInt(entry + ID_OFFSET, volumeId);
        buffer.putShort(entry + FLAGS_OFFSET, (short) flags);
        int nameLength = ByteFields.putUtf8(buffer, entry + NAME_OFFSET, name, 1, MAX_NAME_LENGTH);
        buffer.putShort(entry + NAME_LENGTH_OFFSET, (short) nameLength);
        buffer.putLong(entry + CAPACITY_OFFSET, capacityBytes);
    }

    static int id(ByteBuffer buffer, int entry) {
        return buffer.getInt(entry + ID_OFFSET);
    }

    static int flags(ByteBuffer buffer, int entry) {
        return buffer.getShort(entry + FLAGS_OFFSET) & 0xFFFF;
    }

    static long capacity(ByteBuffer buffer, int entry) {
        return buffer.getLong(entry + CAPACITY_OFFSET);
    }

    static String name(ByteBuffer buffer, int entry) {
        return ByteFields.getUtf8(buffer, entry + NAME_OFFSET, buffer.getShort(entry + NAME_LENGTH_OFFSET) & 0xFFFF);
    }
}
