package io.sluice.bench.monitor;

/** A monitor implementation under test: it serves gateways and can poll them all once on demand. */
interface SweepServer extends AutoCloseable {
    int port();

    /** Gateways that finished the handshake. */
    int sessions();

    /** Sends POLL to every gateway in session and waits for all their reports; returns nanoseconds, -1 on timeout. */
    long sweep() throws Exception;
}
