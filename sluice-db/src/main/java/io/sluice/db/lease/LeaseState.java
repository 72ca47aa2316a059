package io.sluice.db.lease;

/** Where a {@link LeaseKeeper} stands. */
public enum LeaseState {
    /**
     * Not holding the lease: another server holds it, it is free but not yet taken, or the database is out of reach.
     */
    STANDBY,
    /** Holding the lease at an epoch; acting is allowed only while {@link LeaseKeeper#isActive(long)} says so. */
    ACTIVE,
    /**
     * Held the lease and no longer does: another server took it, the database refused the renewal, or renewal had not
     * succeeded for the safety margin. Left at the next step that reaches the database.
     */
    LOST
}
