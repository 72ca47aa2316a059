package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * THROTTLE_SET: new QoS parameters for some of a gateway's volumes.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 7                 |  0
 *  +---------------------------------------------------------------+
 *  |        command id: chosen by the sender, echoed by the ack    | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        epoch: the sending monitor's fencing epoch, 0..2^63-1  | 32
 *  |        (0 for a server not in a pair)                         |
 *  +---------------------------------------------------------------+
 *  |        volume count                                           | 40
 *  +---------------------------------------------------------------+
 *  |        reserved, 0                                            | 44
 *  +---------------------------------------------------------------+
 *  |        parameter sets: count x 88 bytes                       | 48
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Parameter set for one volume (88 bytes)</h2>
 *
 * <pre>
 *  +-------------------------------+-------------------------------+
 *  |        volume id              |        weight                 |  0
 *  +-------------------------------+-------------------------------+
 *  |        version (never 0)                                      |  8
 *  +-------------------------------+-------------------------------+
 *  |        IOPS limit             |        read IOPS limit        | 16
 *  |        write IOPS limit       |        reserved IOPS          | 24
 *  |        burst IOPS             |        burst length, ms       | 32
 *  |        size normalization, B  |        latency target, us     | 40
 *  +-------------------------------+-------------------------------+
 *  |        bandwidth limit, bytes/s                               | 48
 *  |        read bandwidth limit, bytes/s                          | 56
 *  |        write bandwidth limit, bytes/s                         | 64
 *  |        reserved bandwidth, bytes/s                            | 72
 *  |        burst bandwidth, bytes/s                               | 80
 *  +---------------------------------------------------------------+ 88
 * </pre>
 *
 * A set replaces every parameter of its volume at once; 0 means "no limit" (or "none") for each field. Limits cap the
 * volume (total, and per direction when the gateway has {@link Capabilities#SPLIT_READ_WRITE}); the burst rate may be
 * used for up to the burst length when the volume has saved credit below its limit; with size normalization an I/O of s
 * bytes counts as ceil(s / n) operations; reservations are guaranteed minimums; weight is the volume's share of what is
 * left over, relative to the gateway's other volumes.
 *
 * <p>Versions make the set idempotent: the analyzer gives each new set of a volume a higher version, and the gateway
 * applies a set only if its version is higher than the one in force. The same set delivered twice (a resend after a
 * reconnect) is acknowledged ALREADY_APPLIED; an older one, STALE.
 *
 * <p>The epoch fences servers: the active server's monitor stamps the epoch of the lease it holds on every set (the SLA
 * services write 0 there; the monitor overwrites it as it sends, as it does the command id), and a gateway that has
 * seen a newer epoch refuses the whole set, every volume acknowledged STALE_EPOCH with the version in force, and keeps
 * its parameters. So a server that lost its lease and does not know it yet cannot undo what the new active set
 * (docs/design.md, "Gateways follow the active").
 */
public final class ThrottleSetDescriptor {
    public static final int COMMAND_ID_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int EPOCH_OFFSET = COMMAND_ID_OFFSET + 8;
    public static final int VOLUME_COUNT_OFFSET = EPOCH_OFFSET + 8;
    public static final int RESERVED_OFFSET = VOLUME_COUNT_OFFSET + 4;
    public static final int VOLUMES_OFFSET = RESERVED_OFFSET + 4;

    public static final int VOLUME_ID_OFFSET = 0;
    public static final int WEIGHT_OFFSET = 4;
    public static final int VERSION_OFFSET = 8;
    public static final int IOPS_LIMIT_OFFSET = 16;
    public static final int READ_IOPS_LIMIT_OFFSET = 20;
    public static final int WRITE_IOPS_LIMIT_OFFSET = 24;
    public static final int RESERVED_IOPS_OFFSET = 28;
    public static final int BURST_IOPS_OFFSET = 32;
    public static final int BURST_LENGTH_OFFSET = 36;
    public static final int SIZE_NORMALIZATION_OFFSET = 40;
    public static final int LATENCY_TARGET_OFFSET = 44;
    public static final int BANDWIDTH_LIMIT_OFFSET = 48;
    public static final int READ_BANDWIDTH_LIMIT_OFFSET = 56;
    public static final int WRITE_BANDWIDTH_LIMIT_OFFSET = 64;
    public static final int RESERVED_BANDWIDTH_OFFSET = 72;
    public static final int BURST_BANDWIDTH_OFFSET = 80;
    public static final int VOLUME_RECORD_LENGTH = 88;

    private ThrottleSetDescriptor() {}

    public static int frameLength(int volumeCount) {
        return VOLUMES_OFFSET + volumeCount * VOLUME_RECORD_LENGTH;
    }

    /** The most parameter sets a frame of at most {@code bytes} can carry (a mailbox slot's, say). */
    public static int maxVolumes(int bytes) {
        return (bytes - VOLUMES_OFFSET) / VOLUME_RECORD_LENGTH;
    }

    public static int volumeOffset(int index) {
        return VOLUMES_OFFSET + index * VOLUME_RECORD_LENGTH;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < VOLUMES_OFFSET
                || buffer.getInt(frame + RESERVED_OFFSET) != 0
                || buffer.getLong(frame + EPOCH_OFFSET) < 0) {
            return false;
        }
        long volumeCount = buffer.getInt(frame + VOLUME_COUNT_OFFSET) & 0xFFFF_FFFFL;
        if (VOLUMES_OFFSET + volumeCount * VOLUME_RECORD_LENGTH != frameLength) {
            return false;
        }
        for (int i = 0; i < volumeCount; i++) {
            if (buffer.getLong(frame + volumeOffset(i) + VERSION_OFFSET) == 0) {
                return false;
            }
        }
        return true;
    }
}
