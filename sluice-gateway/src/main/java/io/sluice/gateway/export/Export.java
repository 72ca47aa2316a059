package io.sluice.gateway.export;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.backend.Backend;
import io.sluice.gateway.nbd.NbdError;
import io.sluice.gateway.stats.ExportStats;
import io.sluice.gateway.stats.VolumeStats;
import java.nio.ByteBuffer;

/**
 * A volume the gateway serves under a name: its backend, the scheduler of its {@link BackendGroup} and its statistics.
 * Every connection to the export shares all three, which is what makes flush consistent across connections
 * (NBD_FLAG_CAN_MULTI_CONN) and QoS limits per volume, not per socket.
 */
public final class Export implements AutoCloseable {
    private final String name;
    private final int id;
    private final Backend backend;
    private final boolean readOnly;
    private final boolean shared;
    private final BackendGroup group;
    private final ExportAccess access;
    private final ExportStats stats = new ExportStats();

    /** {@code id} is the export's position in the gateway's configuration, from 0. */
    public Export(String name, int id, Backend backend, boolean readOnly, BackendGroup group) {
        this(name, id, backend, readOnly, false, group);
    }

    /** {@code shared}: other gateways serve the same volume under the same name (see ExportConfig). */
    public Export(String name, int id, Backend backend, boolean readOnly, boolean shared, BackendGroup group) {
        this(name, id, backend, readOnly, shared, group, ExportAccess.OPEN);
    }

    /** {@code access}: who may list and use the export (TLS, client certificates, source addresses). */
    public Export(
            String name,
            int id,
            Backend backend,
            boolean readOnly,
            boolean shared,
            BackendGroup group,
            ExportAccess access) {
        this.name = name;
        this.id = id;
        this.backend = backend;
        this.readOnly = readOnly || backend.readOnly();
        this.shared = shared;
        this.group = group;
        this.access = access;
    }

    public String name() {
        return name;
    }

    public int id() {
        return id;
    }

    public long size() {
        return backend.size();
    }

    public boolean readOnly() {
        return readOnly;
    }

    public boolean shared() {
        return shared;
    }

    Backend backend() {
        return backend;
    }

    public ExportAccess access() {
        return access;
    }

    public BackendGroup group() {
        return group;
    }

    public RequestScheduler scheduler() {
        return group.scheduler();
    }

    public ExportStats stats() {
        return stats;
    }

    /**
     * Runs a request the scheduler let go against the backend, records it in the statistics and gives its backend slot
     * back; returns an {@link NbdError} value. Everything the caller needs after this is read before, since completing
     * the request may let its connection reuse the slot.
     */
    public int execute(IoRequest request) {
        long start = System.nanoTime();
        int error;
        try {
            error = run(request);
        } finally {
            group.scheduler().finished();
        }
        stats.completed(request.type(), request.length(), request.receivedNanos(), start, System.nanoTime());
        return error;
    }

    private int run(IoRequest request) {
        int flags = request.flags();
        boolean fua = (flags & CMD_FLAG_FUA) != 0;
        ByteBuffer data = request.data();
        try {
            return switch (request.type()) {
                case CMD_READ -> backend.read(request.offset(), data);
                case CMD_WRITE -> backend.write(request.offset(), data, fua);
                case CMD_FLUSH -> backend.flush();
                case CMD_TRIM -> backend.trim(request.offset(), request.length(), fua);
                case CMD_WRITE_ZEROES ->
                    backend.writeZeroes(
                            request.offset(),
                            request.length(),
                            fua,
                            (flags & CMD_FLAG_NO_HOLE) != 0,
                            (flags & CMD_FLAG_FAST_ZERO) != 0);
                case CMD_CACHE -> backend.cache(request.offset(), request.length());
                case CMD_BLOCK_STATUS -> blockStatus(request.offset(), request.length(), data);
                default -> NbdError.EINVAL;
            };
        } catch (RuntimeException e) {
            // A backend bug must cost one request, not the thread that runs it.
            return NbdError.EIO;
        }
    }

    /** Extents go into {@code extents} (the request's data buffer); a success must describe at least one. */
    private int blockStatus(long offset, long length, ByteBuffer extents) {
        int error = backend.blockStatus(offset, length, extents);
        return error == NbdError.OK && extents.position() < EXTENT_LENGTH ? NbdError.EIO : error;
    }

    /** A snapshot of the statistics, with the backend's space (which may cost a system call). */
    public VolumeStats snapshot(long qosVersion) {
        Backend.Space space = backend.space();
        return stats.snapshot(name, id, group.name(), qosVersion, space.capacityBytes(), space.usedBytes());
    }

    public int minimumBlockSize() {
        return backend.minimumBlockSize();
    }

    public int preferredBlockSize() {
        return backend.preferredBlockSize();
    }

    public int maximumBlockSize() {
        return Math.min(backend.maximumBlockSize(), MAX_PAYLOAD);
    }

    /**
     * Transmission flags for a connection; DF only makes sense once structured replies are on. CACHE and FAST_ZERO are
     * offered only where the backend does something with them.
     */
    public int transmissionFlags(boolean structuredReplies) {
        int flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_CAN_MULTI_CONN;
        if (readOnly) {
            flags |= FLAG_READ_ONLY;
        } else {
            flags |= FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES;
            if (backend.canFastZero()) {
                flags |= FLAG_SEND_FAST_ZERO;
            }
        }
        if (backend.canCache()) {
            flags |= FLAG_SEND_CACHE;
        }
        if (structuredReplies) {
            // Every READ is answered with a single data chunk, so "don't fragment" always holds.
            flags |= FLAG_SEND_DF;
        }
        return flags;
    }

    /** Closes the backend; its group has drained the export's requests before. */
    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return name + " -> " + backend.describe();
    }
}
