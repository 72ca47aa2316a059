package io.sluice.gateway.export;

import static io.sluice.gateway.nbd.NbdDescriptor.*;

import io.sluice.gateway.backend.Backend;

/**
 * A volume the gateway serves under a name: its backend, its scheduler and its dispatcher threads.
 * Every connection to the export shares all three, which is what makes flush consistent across
 * connections (NBD_FLAG_CAN_MULTI_CONN) and what will make QoS limits per volume, not per socket.
 */
public final class Export implements AutoCloseable {
    private final String name;
    private final Backend backend;
    private final boolean readOnly;
    private final RequestScheduler scheduler;
    private final ExportDispatcher dispatcher;

    public Export(String name, Backend backend, boolean readOnly, RequestScheduler scheduler, int ioThreads) {
        this.name = name;
        this.backend = backend;
        this.readOnly = readOnly || backend.readOnly();
        this.scheduler = scheduler;
        this.dispatcher = new ExportDispatcher(name, scheduler, backend, ioThreads);
    }

    public void start() {
        dispatcher.start();
    }

    public String name() {
        return name;
    }

    public long size() {
        return backend.size();
    }

    public boolean readOnly() {
        return readOnly;
    }

    public RequestScheduler scheduler() {
        return scheduler;
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

    /** Transmission flags for a connection; DF only makes sense once structured replies are on. */
    public int transmissionFlags(boolean structuredReplies) {
        int flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_CAN_MULTI_CONN;
        if (readOnly) {
            flags |= FLAG_READ_ONLY;
        } else {
            flags |= FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES;
        }
        if (structuredReplies) {
            // Every READ is answered with a single data chunk, so "don't fragment" always holds.
            flags |= FLAG_SEND_DF;
        }
        return flags;
    }

    /** Stops admitting requests, lets the dispatcher drain what was admitted, then closes the backend. */
    @Override
    public void close() {
        scheduler.close();
        try {
            dispatcher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
    }

    @Override
    public String toString() {
        return name + " -> " + backend.describe();
    }
}
