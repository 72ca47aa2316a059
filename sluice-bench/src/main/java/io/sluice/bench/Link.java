package io.sluice.bench;

/** One caller's connection to an echo peer, as the benchmark loops drive it. */
interface Link extends AutoCloseable {
    /** Sends one request; false if the transport is full right now. */
    boolean send() throws Exception;

    /**
     * Before a timed call: returns once the peer waits for calls the way the link says it does (a sleeping callee is
     * registered to sleep), so the call is timed against the state it is named after. Most links have nothing to wait
     * for.
     */
    default void awaitPeerIdle() {}

    /** Waits, in the transport's own way, until at least one reply has arrived; returns how many. */
    int awaitReplies() throws Exception;

    @Override
    void close() throws Exception;
}
