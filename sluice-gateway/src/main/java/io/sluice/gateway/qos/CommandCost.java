package io.sluice.gateway.qos;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

/**
 * What one NBD command costs against a volume's limits and the backend's modelled capacity: its direction, its bytes
 * (bandwidth) and its normalized I/Os (IOPS, reservation, weight). The rules and why they were chosen are in
 * sluice-gateway/NBD.md ("QoS for commands without data"):
 *
 * <ul>
 *   <li>READ and WRITE: their length in bytes, and that length in I/Os of {@code ioSizeBytes};
 *   <li>CACHE: as a READ of its length, since it makes the backend read those bytes;
 *   <li>TRIM, WRITE_ZEROES: one write I/O and no bytes, whatever their length;
 *   <li>BLOCK_STATUS: one read I/O and no bytes;
 *   <li>FLUSH: nothing, and never held back.
 * </ul>
 */
final class CommandCost {
    private CommandCost() {}

    /** Whether the command is held and accounted in the write direction. */
    static boolean write(int type) {
        return type == CMD_WRITE || type == CMD_TRIM || type == CMD_WRITE_ZEROES || type == CMD_FLUSH;
    }

    /** Bytes counted against the bandwidth limits. */
    static long bytes(int type, long length) {
        return type == CMD_READ || type == CMD_WRITE || type == CMD_CACHE ? length : 0;
    }

    /** Normalized I/Os counted against the IOPS limits, the reservation, the weight and the backend's capacity. */
    static double units(QosParameters p, int type, long length) {
        return switch (type) {
            case CMD_FLUSH -> 0;
            case CMD_READ, CMD_WRITE, CMD_CACHE -> p.units(length);
            default -> 1;
        };
    }
}
