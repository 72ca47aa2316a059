package io.sluice.db.lease;

/**
 * One consistent picture of a keeper, published whole so other threads read it without locks.
 *
 * @param state where the keeper stands
 * @param epoch the epoch held when ACTIVE, the epoch lost when LOST, 0 when STANDBY
 * @param deadlineNanos when ACTIVE, the instant (the keeper's monotonic clock) at which it stops acting unless a
 *     renewal succeeds before: the start of the last successful renewal plus the safety margin
 * @param holder the holder the database named when last read ("" if none yet)
 * @param holderEpoch that holder's epoch (0 if none yet)
 */
public record LeaseStatus(LeaseState state, long epoch, long deadlineNanos, String holder, long holderEpoch) {
    static final LeaseStatus INITIAL = new LeaseStatus(LeaseState.STANDBY, 0, 0, "", 0);
}
