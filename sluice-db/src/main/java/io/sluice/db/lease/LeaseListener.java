package io.sluice.db.lease;

/**
 * Told of every state change, on the thread that steps the keeper, before {@code doWork} returns. ACTIVE means "start
 * acting with this epoch", LOST means "stop acting now": a listener must not block, as the next renewal waits for it.
 */
@FunctionalInterface
public interface LeaseListener {
    void onTransition(LeaseTransition transition);
}
