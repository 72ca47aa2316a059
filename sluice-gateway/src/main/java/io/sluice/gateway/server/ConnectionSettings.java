package io.sluice.gateway.server;

/**
 * Per-connection limits.
 *
 * @param requestSlots requests one connection may have in flight; past that its socket is not read
 * @param bufferBudget bytes of request data one connection may hold (see {@link BufferPool})
 * @param bufferMemory bytes of request data all connections together may hold
 * @param handshakeTimeoutMs a client that has not reached transmission by then is disconnected
 * @param maxConnections connections served at once; more are closed right after accept
 */
public record ConnectionSettings(
        int requestSlots, long bufferBudget, long bufferMemory, long handshakeTimeoutMs, int maxConnections) {
    public static final ConnectionSettings DEFAULTS = new ConnectionSettings(64, 64L << 20, 512L << 20, 30_000, 1024);

    public ConnectionSettings {
        if (requestSlots < 1 || handshakeTimeoutMs < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("connection settings must be positive");
        }
        if (bufferMemory < bufferBudget) {
            throw new IllegalArgumentException(
                    "gateway buffer memory " + bufferMemory + " is below one connection's budget " + bufferBudget);
        }
    }
}
