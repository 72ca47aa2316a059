package io.sluice.monitor;

import io.sluice.monitor.GatewayRegistry.Admission;
import io.sluice.monitor.GatewayRegistry.NotSavedException;

/**
 * Where the gateway registry keeps its standings, tokens and bindings: a file ({@link RegistryInFile}) or the database
 * ({@link RegistryInDatabase}). Each change is on record there before it counts, except a revocation or unbinding,
 * which counts at once and is saved when it can be; the maps themselves are {@link GatewayRegistry}'s.
 */
interface RegistryStore {
    /** Reads what is on record into the registry's maps, with the configuration; leaves it unusable if it cannot. */
    void load();

    /** The conductor's step: reads an unusable store again (and retries unsaved changes) every so often. */
    void recheck(long nowMillis);

    /** Reads the store again now (a standby taking over); nothing to do for a file. */
    default void reload() {}

    /** Uses an enrollment token (given as its hash) for the gateway, on record before it admits. */
    Admission enrol(long gatewayId, String tokenHash);

    void approve(long gatewayId) throws NotSavedException;

    void revoke(long gatewayId) throws NotSavedException;

    boolean addToken(String tokenHash) throws NotSavedException;

    void bind(String name, long gatewayId) throws NotSavedException;

    void unbind(String name, long gatewayId) throws NotSavedException;

    /** Why the database could not be reached at the last call, or null (always null for a file). */
    default String dbUnreachable() {
        return null;
    }
}
