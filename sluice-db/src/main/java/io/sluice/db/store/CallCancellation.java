package io.sluice.db.store;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Whether the caller of the call a worker thread is serving has revoked it. {@link Database} asks just before it
 * commits: a revoked call's transaction rolls back instead, and its caller is told that nothing happened. (A revocation
 * that arrives after the commit is answered as carried out.)
 */
public final class CallCancellation {
    private static final ThreadLocal<BooleanSupplier> REVOKED = new ThreadLocal<>();

    private CallCancellation() {}

    /** Runs {@code work} on this thread with {@code revoked} telling whether its call was revoked. */
    public static <T> T during(BooleanSupplier revoked, Supplier<T> work) {
        REVOKED.set(revoked);
        try {
            return work.get();
        } finally {
            REVOKED.remove();
        }
    }

    /** Throws {@link CallRevokedException} if the call this thread serves was revoked. */
    static void checkBeforeCommit() {
        BooleanSupplier revoked = REVOKED.get();
        if (revoked != null && revoked.getAsBoolean()) {
            throw new CallRevokedException();
        }
    }
}
