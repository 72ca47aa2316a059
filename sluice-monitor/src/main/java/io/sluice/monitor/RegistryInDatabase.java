package io.sluice.monitor;

import io.sluice.monitor.GatewayRegistry.Admission;
import io.sluice.monitor.GatewayRegistry.Binding;
import io.sluice.monitor.GatewayRegistry.NotSavedException;
import io.sluice.monitor.GatewayRegistry.Standing;
import io.sluice.protocol.AuthReason;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gateway registry kept in the database, through the database manager's mailbox ({@link AdmissionLink}): read at
 * start (a registry file found then imported once), every change on record there before it counts, tokens used by one
 * conditional UPDATE, fail-static while the database is away (see {@link GatewayRegistry}). No lock is held across a
 * call to the database; the maps change under the registry's lock.
 */
final class RegistryInDatabase implements RegistryStore {
    private static final System.Logger LOG = System.getLogger(GatewayRegistry.class.getName());

    private final GatewayRegistry registry;
    /** The database the registry lives in. */
    private final AdmissionLink db;
    /** When the registry's thread is asked to re-read or retry next; conductor thread. */
    private long nextRecheckMillis;
    /** A re-read or retry is queued on the registry's thread and not finished. */
    private final AtomicBoolean dbWorkQueued = new AtomicBoolean();
    /** Read from the database at least once: from then on an unreachable database leaves the registry usable. */
    private volatile boolean loadedFromDb;
    /** Why the last call on the database failed, or null since one succeeded. */
    private volatile String dbUnreachable;

    private volatile long dbFailedAtNanos;
    /** Revocations and unbindings in force here that the database has not taken yet. */
    private final Set<Long> unsavedRevocations = ConcurrentHashMap.newKeySet();

    private final Set<Binding> unsavedUnbindings = ConcurrentHashMap.newKeySet();

    RegistryInDatabase(GatewayRegistry registry, AdmissionLink db) {
        this.registry = registry;
        this.db = db;
    }

    /**
     * Queues a re-read of an unreadable database, and the saving of revocations and unbindings made while it was away,
     * on the registry's thread at most every {@link GatewayRegistry#RECHECK_MILLIS}: the conductor never waits for the
     * database.
     */
    @Override
    public void recheck(long nowMillis) {
        boolean work = registry.unusable != null || !unsavedRevocations.isEmpty() || !unsavedUnbindings.isEmpty();
        if (work && nowMillis >= nextRecheckMillis) {
            nextRecheckMillis = nowMillis + GatewayRegistry.RECHECK_MILLIS;
            // On the registry's thread: the conductor never waits for the database.
            if (dbWorkQueued.compareAndSet(false, true)) {
                submitOrDrop(() -> {
                    try {
                        if (registry.unusable != null) {
                            load();
                        }
                        saveUnsaved();
                    } finally {
                        dbWorkQueued.set(false);
                    }
                });
            }
        }
    }

    /**
     * Reads the registry from the database again (a standby taking over, docs/design.md), on the registry's thread;
     * what fails leaves the registry as it was.
     */
    @Override
    public void reload() {
        submitOrDrop(() -> {
            load();
            saveUnsaved();
        });
    }

    /**
     * Imports a registry file left from before (once: it is renamed after), adds the configuration's tokens, reads
     * every standing and binding, and puts them in force with the configuration's approvals where the database says
     * nothing. A failure leaves the registry unusable if it was never read, else as it was.
     */
    @Override
    public void load() {
        AdmissionLink.Contents contents;
        try {
            RegistryFile.importOnce(registry.file, db);
            for (String hash : registry.configuredTokenHashes) {
                db.addToken(hash);
            }
            contents = db.load();
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            dbFailed(e.getMessage());
            if (!loadedFromDb) {
                becomeUnusable("the gateway registry cannot be read from the database (" + e.getMessage() + ")");
            }
            return;
        } catch (IOException | RegistryFile.CorruptRegistryException e) {
            becomeUnusable("gateway registry " + registry.file + " cannot be read for its import into the database ("
                    + e.getMessage() + ")");
            return;
        }
        synchronized (registry) {
            // What the database says replaces what was read before; pending gateways and unsaved revocations stay.
            List<Long> decided = registry.standings.entrySet().stream()
                    .filter(e -> e.getValue() != Standing.PENDING)
                    .map(Map.Entry::getKey)
                    .toList();
            decided.forEach(id -> {
                // Admissions read without the lock: what stays in force is never absent, not even for a moment.
                if (!contents.standings().containsKey(id)
                        && !registry.configuredApprovals.contains(id)
                        && !unsavedRevocations.contains(id)) {
                    registry.standings.remove(id);
                }
            });
            registry.standings.putAll(contents.standings());
            unsavedRevocations.forEach(id -> registry.standings.put(id, Standing.REVOKED));
            registry.configuredApprovals.forEach(id -> {
                if (registry.standings.get(id) == null || registry.standings.get(id) == Standing.PENDING) {
                    registry.standings.put(id, Standing.APPROVED);
                }
            });
            registry.recordedBindings.clear();
            registry.recordedBindings.putAll(contents.bindings());
            unsavedUnbindings.forEach(binding -> registry.recordedBindings.put(binding, false));
            loadedFromDb = true;
            if (registry.unusable != null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the gateway registry is read from the database again; gateways are admitted again");
                registry.unusable = null;
            }
        }
        LOG.log(
                System.Logger.Level.INFO,
                "gateway registry read from the database: "
                        + contents.standings().size() + " standings, "
                        + contents.bindings().size() + " shared volume bindings");
    }

    private void submitOrDrop(Runnable work) {
        try {
            registry.execute(work);
        } catch (RejectedExecutionException closing) {
            dbWorkQueued.set(false);
        }
    }

    private void becomeUnusable(String why) {
        synchronized (registry) {
            if (!why.equals(registry.unusable)) {
                LOG.log(
                        System.Logger.Level.ERROR,
                        why + ": REFUSING EVERY GATEWAY and every change until it can be read; " + "tried again every "
                                + GatewayRegistry.RECHECK_MILLIS + " ms");
            }
            registry.unusable = why;
        }
    }

    private void dbAnswered() {
        if (dbUnreachable != null) {
            LOG.log(System.Logger.Level.WARNING, "the gateway registry's database answers again");
            dbUnreachable = null;
        }
    }

    private void dbFailed(String why) {
        if (dbUnreachable == null) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "the gateway registry's database cannot be reached (" + why
                            + "): gateways "
                            + "approved before are still admitted, every change is refused until it answers");
        }
        dbFailedAtNanos = System.nanoTime();
        dbUnreachable = why;
    }

    /** Why the registry's database could not be reached at the last call, or null (also without a database). */
    @Override
    public String dbUnreachable() {
        return dbUnreachable;
    }

    /** Revocations and unbindings made while the database was away, saved now if it answers. */
    private void saveUnsaved() {
        try {
            for (Long id : List.copyOf(unsavedRevocations)) {
                db.setStanding(id, Standing.REVOKED);
                unsavedRevocations.remove(id);
            }
            for (Binding binding : List.copyOf(unsavedUnbindings)) {
                db.setBinding(binding, false);
                unsavedUnbindings.remove(binding);
            }
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            dbFailed(e.getMessage());
        }
    }

    /** A change the database did not take: counted, and the caller told it may try again later. */
    private NotSavedException notSaved(String what, AdmissionLink.UnavailableException e) {
        dbFailed(e.getMessage());
        registry.writesFailed.increment();
        registry.lastWriteError = e.getMessage();
        return new NotSavedException(
                what + ": the gateway registry's database cannot be reached (" + e.getMessage() + ")", true);
    }

    /**
     * Uses a token at the database; while it is known to be unreachable (failed within
     * {@link GatewayRegistry#RECHECK_MILLIS}) the enrolling thread does not wait for it again.
     */
    @Override
    public Admission enrol(long gatewayId, String tokenHash) {
        if (registry.unusable != null) {
            return GatewayRegistry.UNUSABLE;
        }
        if (registry.standings.get(gatewayId) == Standing.REVOKED) {
            return new Admission(false, AuthReason.REVOKED);
        }
        if (dbUnreachable != null
                && System.nanoTime() - dbFailedAtNanos
                        < TimeUnit.MILLISECONDS.toNanos(GatewayRegistry.RECHECK_MILLIS)) {
            return GatewayRegistry.UNUSABLE;
        }
        AdmissionLink.TokenUse use;
        try {
            use = db.useToken(tokenHash, gatewayId);
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            dbFailed(e.getMessage());
            return GatewayRegistry.UNUSABLE;
        }
        synchronized (registry) {
            switch (use) {
                case BAD_TOKEN -> {
                    return new Admission(false, AuthReason.BAD_TOKEN);
                }
                case REVOKED -> {
                    // Revoked at the database by another server: in force here too.
                    registry.standings.put(gatewayId, Standing.REVOKED);
                    return new Admission(false, AuthReason.REVOKED);
                }
                default -> {
                    if (registry.standings.get(gatewayId) == Standing.REVOKED) {
                        // Revoked here while the token was used: the revocation wins (and reaches the database).
                        return new Admission(false, AuthReason.REVOKED);
                    }
                    registry.standings.put(gatewayId, Standing.APPROVED);
                    return new Admission(true, AuthReason.NONE);
                }
            }
        }
    }

    @Override
    public void approve(long gatewayId) throws NotSavedException {
        registry.requireUsable();
        try {
            db.setStanding(gatewayId, Standing.APPROVED);
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            throw notSaved("gateway " + gatewayId + " not approved", e);
        }
        synchronized (registry) {
            unsavedRevocations.remove(gatewayId);
            registry.standings.put(gatewayId, Standing.APPROVED);
        }
    }

    /**
     * Refuses the gateway from now on even when the revocation cannot be saved: it then lasts until a restart, or is
     * saved when an unusable file can be read again.
     */
    @Override
    public void revoke(long gatewayId) throws NotSavedException {
        synchronized (registry) {
            // Under the lock: an enrolment that used a token meanwhile finds it and does not approve.
            registry.standings.put(gatewayId, Standing.REVOKED);
        }
        String why = registry.unusable;
        if (why == null) {
            try {
                db.setStanding(gatewayId, Standing.REVOKED);
                dbAnswered();
                unsavedRevocations.remove(gatewayId);
                return;
            } catch (AdmissionLink.UnavailableException e) {
                unsavedRevocations.add(gatewayId);
                throw notSaved(
                        "gateway " + gatewayId + " refused, but the revocation is saved only once the database "
                                + "answers again",
                        e);
            }
        }
        unsavedRevocations.add(gatewayId);
        throw new NotSavedException(
                "gateway " + gatewayId
                        + " refused, but the revocation is saved only once the registry "
                        + "can be read again: " + why,
                true);
    }

    /** A single-use token, given as its SHA-256 (hex); false if it was used before. */
    @Override
    public boolean addToken(String tokenHash) throws NotSavedException {
        registry.requireUsable();
        try {
            boolean added = db.addToken(tokenHash);
            dbAnswered();
            return added;
        } catch (AdmissionLink.UnavailableException e) {
            throw notSaved("enrollment token not added", e);
        }
    }

    /**
     * Lets the gateway serve the shared volume {@code name} from its next registration on; on disk before it returns.
     */
    @Override
    public void bind(String name, long gatewayId) throws NotSavedException {
        registry.requireUsable();
        Binding binding = new Binding(name, gatewayId);
        try {
            db.setBinding(binding, true);
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            throw notSaved("shared volume " + name + " not bound to gateway " + gatewayId, e);
        }
        synchronized (registry) {
            unsavedUnbindings.remove(binding);
            registry.recordedBindings.put(binding, true);
        }
    }

    /**
     * Takes the shared volume {@code name} from the gateway, even when the change cannot be saved (it then lasts until
     * a restart, or is saved when an unusable file can be read again), as a revocation does.
     */
    @Override
    public void unbind(String name, long gatewayId) throws NotSavedException {
        Binding binding = new Binding(name, gatewayId);
        registry.recordedBindings.put(binding, false);
        String why = registry.unusable;
        if (why == null) {
            try {
                db.setBinding(binding, false);
                dbAnswered();
                unsavedUnbindings.remove(binding);
                return;
            } catch (AdmissionLink.UnavailableException e) {
                unsavedUnbindings.add(binding);
                throw notSaved(
                        "shared volume " + name + " unbound from gateway " + gatewayId
                                + ", but this is saved only "
                                + "once the database answers again",
                        e);
            }
        }
        unsavedUnbindings.add(binding);
        throw new NotSavedException(
                "shared volume " + name + " unbound from gateway " + gatewayId
                        + ", but this is saved "
                        + "only once the registry can be read again: " + why,
                true);
    }
}
