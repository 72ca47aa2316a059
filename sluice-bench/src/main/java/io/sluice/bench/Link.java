package io.sluice.bench;

/** One caller's connection to an echo peer, as the benchmark loops drive it. */
interface Link extends AutoCloseable {
    /** Sends one request; false if the transport is full right now. */
    boolean send() throws Exception;

    /** Waits, in the transport's own way, until at least one reply has arrived; returns how many. */
    int awaitReplies() throws Exception;

    @Override
    void close() throws Exception;
}
