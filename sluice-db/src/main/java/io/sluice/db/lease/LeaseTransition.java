package io.sluice.db.lease;

/**
 * A change of state, told to {@link LeaseListener}s on the stepping thread.
 *
 * @param from the state before
 * @param to the state after
 * @param epoch the epoch taken (to ACTIVE), the epoch lost (to LOST), or 0
 * @param reason why, for logs and status
 */
public record LeaseTransition(LeaseState from, LeaseState to, long epoch, String reason) {}
