package io.sluice.server.ha;

import io.sluice.db.lease.LeaseKeeper;
import io.sluice.db.lease.LeaseStatus;

/**
 * What {@link HaController} reads of the lease: the keeper's published snapshot and the epoch it may act with now. Both
 * are non-blocking reads ({@link LeaseKeeper} is stepped on a thread of its own), so a renewal hung in the network
 * never delays the controller's decision to stop.
 */
public interface LeaseView {
    LeaseStatus status();

    /** The epoch to act with at {@code nowNanos}, or 0 if this server must not act. */
    long activeEpoch(long nowNanos);

    static LeaseView of(LeaseKeeper keeper) {
        return new LeaseView() {
            @Override
            public LeaseStatus status() {
                return keeper.status();
            }

            @Override
            public long activeEpoch(long nowNanos) {
                return keeper.activeEpoch(nowNanos);
            }
        };
    }
}
