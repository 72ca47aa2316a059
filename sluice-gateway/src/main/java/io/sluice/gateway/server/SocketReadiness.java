package io.sluice.gateway.server;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * Where one thread waits until a non-blocking socket can be read (the connection's reader) or written (its writer): a
 * selector of its own, opened at the first wait, so a connection whose socket never blocks a write holds no selector
 * for it. Only the owning thread waits and closes; any thread may {@link #wakeUp} it, which is how hanging up reaches a
 * thread parked here.
 */
final class SocketReadiness implements AutoCloseable {
    /** The ready key needs no handling: the waiter simply tries its read or write again. */
    private static final Consumer<SelectionKey> RETRY = key -> {};

    private final SelectableChannel channel;
    private final int operation;
    /** Published before the channel is registered, so a hang-up either sees it or makes the registration fail. */
    private volatile Selector selector;

    SocketReadiness(SelectableChannel channel, int operation) {
        this.channel = channel;
        this.operation = operation;
    }

    /**
     * Waits until the socket is ready for the operation, or {@link #wakeUp} was called (since the last wait), or the
     * channel was closed; the caller retries its operation, which tells which.
     */
    void await() throws IOException {
        Selector waitOn = selector;
        if (waitOn == null) {
            waitOn = Selector.open();
            selector = waitOn;
            // Throws ClosedChannelException once the connection hung up.
            channel.register(waitOn, operation);
        }
        waitOn.select(RETRY);
    }

    /** Ends the owner's current or next wait. */
    void wakeUp() {
        Selector waitOn = selector;
        if (waitOn != null) {
            waitOn.wakeup();
        }
    }

    /** By the owning thread, once it no longer waits. */
    @Override
    public void close() {
        Selector waitOn = selector;
        if (waitOn != null) {
            try {
                waitOn.close();
            } catch (IOException ignored) {
                // Nothing holds on to a selector that fails to close.
            }
        }
    }
}
