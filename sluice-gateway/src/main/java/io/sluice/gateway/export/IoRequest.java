package io.sluice.gateway.export;

import java.nio.ByteBuffer;

/**
 * One request on its way through the gateway: parsed by a connection, held by the export's {@link RequestScheduler},
 * executed by the export's dispatcher, answered by the connection. Each connection owns a fixed set of these and reuses
 * them, so nothing is allocated per request.
 *
 * <p>Ownership moves with the request (connection reader, then scheduler, then a dispatcher thread, then whichever
 * thread sends its reply); the hand-offs go through queues whose locks publish the fields, so the fields themselves
 * need no synchronization.
 */
public final class IoRequest {
    private final Completion owner;

    private Export export;
    private long handle;
    private int type;
    private int flags;
    private long offset;
    private long length;
    private int error;
    private ByteBuffer data;
    private long receivedNanos;
    private long admittedNanos;

    /** Where a finished request goes back to: its connection. */
    public interface Completion {
        void completed(IoRequest request);
    }

    public IoRequest(Completion owner) {
        this.owner = owner;
    }

    public void set(Export export, long handle, int type, int flags, long offset, long length, long receivedNanos) {
        this.export = export;
        this.handle = handle;
        this.type = type;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
        this.receivedNanos = receivedNanos;
        this.error = 0;
        this.data = null;
    }

    /** Hands the request back to its connection with an {@link io.sluice.gateway.nbd.NbdError} value. */
    public void complete(int error) {
        this.error = error;
        owner.completed(this);
    }

    /** The export the request is for; its scheduler queue, backend and statistics. */
    public Export export() {
        return export;
    }

    public long handle() {
        return handle;
    }

    public int type() {
        return type;
    }

    public int flags() {
        return flags;
    }

    public long offset() {
        return offset;
    }

    public long length() {
        return length;
    }

    public int error() {
        return error;
    }

    /** READ destination or WRITE source, positioned at 0 and limited to the request's length. */
    public ByteBuffer data() {
        return data;
    }

    public void data(ByteBuffer data) {
        this.data = data;
    }

    /** When the header was read ({@link System#nanoTime()}), for queueing and latency accounting. */
    public long receivedNanos() {
        return receivedNanos;
    }

    /** When the scheduler admitted it (its clock), for tags and the delay cap. */
    public long admittedNanos() {
        return admittedNanos;
    }

    public void admittedNanos(long nanos) {
        this.admittedNanos = nanos;
    }
}
