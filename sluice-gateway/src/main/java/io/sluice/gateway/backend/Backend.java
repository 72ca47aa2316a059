package io.sluice.gateway.backend;

import io.sluice.gateway.nbd.NbdError;
import java.nio.ByteBuffer;

/**
 * Storage behind one export. Shared by every connection to the export and called concurrently by the export's
 * dispatcher threads, so implementations are thread-safe. Data-path methods return an
 * {@link io.sluice.gateway.nbd.NbdError} value (0 = success) instead of throwing; ranges have already been checked
 * against {@link #size()} and the block sizes.
 *
 * <p>Consistency contract (what lets the gateway advertise NBD_FLAG_CAN_MULTI_CONN): a write that returned is visible
 * to every later read from any connection, and {@link #flush()} makes every write that returned before it durable.
 */
public interface Backend extends AutoCloseable {
    long size();

    /** The storage itself refuses writes (opened read-only, or a read-only upstream export). */
    boolean readOnly();

    /** Smallest addressable unit (a power of two); 1 for byte-addressable storage. */
    int minimumBlockSize();

    int preferredBlockSize();

    /** Largest READ, WRITE or WRITE_ZEROES request the backend takes in one piece. */
    int maximumBlockSize();

    /** Fills {@code dst} from position to limit with the bytes at {@code offset}. */
    int read(long offset, ByteBuffer dst);

    /** Writes {@code src} from position to limit at {@code offset}; durable before returning if {@code fua}. */
    int write(long offset, ByteBuffer src, boolean fua);

    int flush();

    /** A hint that the range is no longer needed: frees its space where the storage can; may do nothing. */
    int trim(long offset, long length, boolean fua);

    /**
     * Makes the range read back as zeroes. {@code noHole} (NBD_CMD_FLAG_NO_HOLE): the range must stay allocated, so it
     * may not be punched out. {@code fastOnly} (NBD_CMD_FLAG_FAST_ZERO): unless the backend can zero faster than by
     * writing zeroes, answer {@link io.sluice.gateway.nbd.NbdError#ENOTSUP} at once and change nothing.
     */
    int writeZeroes(long offset, long length, boolean fua, boolean noHole, boolean fastOnly);

    /** Whether a {@code fastOnly} {@link #writeZeroes} can ever succeed (NBD_FLAG_SEND_FAST_ZERO). */
    default boolean canFastZero() {
        return false;
    }

    /** Whether {@link #cache} does anything (NBD_FLAG_SEND_CACHE is advertised only then). */
    default boolean canCache() {
        return false;
    }

    /** NBD_CMD_CACHE: the client will read the range soon; start fetching it, without waiting for it. */
    default int cache(long offset, long length) {
        return NbdError.OK;
    }

    /**
     * The base:allocation status of the range from {@code offset}: appends descriptors (length, then
     * {@link io.sluice.gateway.nbd.NbdDescriptor#STATE_HOLE}/{@code STATE_ZERO} flags, 32 bits each, big-endian) to
     * {@code extents} at its position, consecutive from {@code offset}, at least one, never covering more than
     * {@code length} bytes, and stopping when {@code extents} is full. A backend that cannot tell reports the whole
     * range allocated, which the protocol allows.
     */
    default int blockStatus(long offset, long length, ByteBuffer extents) {
        extents.putInt((int) length).putInt(0);
        return NbdError.OK;
    }

    /**
     * Capacity and used bytes of the storage the volume lives on, for capacity forecasting: the file system for a file
     * (a sparse volume fills it as it is written), the volume itself otherwise. Used is -1 when the backend cannot
     * tell. Not on the data path: may do I/O.
     */
    Space space();

    record Space(long capacityBytes, long usedBytes) {}

    /** What the backend is, for logs and NBD_OPT_LIST descriptions. */
    String describe();

    @Override
    void close();
}
