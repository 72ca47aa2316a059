package io.sluice.monitor;

import io.sluice.protocol.AuthReason;
import io.sluice.protocol.VolumeDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Which gateways may open a session. A gateway proves who it is with its key (derived from the deployment secret);
 * whether it is welcome is this registry's answer: approved, pending an admin's approval, or revoked. A valid
 * enrollment token admits an unknown gateway at once (single use). With a file, every change is written through
 * ({@link RegistryFile}) so standings and tokens given through the mailbox survive a restart; a revocation on record
 * wins over the configuration's approvals.
 *
 * <p>It also says which gateways may serve a volume their exports flag shared ({@link #mayServeShared}): a shared name
 * is one volume whatever gateway serves it, so only the gateways an operator bound to the name may join it, receive its
 * throttles and report for it. Bindings come from the configuration ({@code monitor.shared-volumes}) and from operators
 * through the mailbox ({@link #bind}, {@link #unbind}), which are kept in the file like approvals; an unbinding on
 * record wins over the configuration's binding, as a revocation wins over an approval.
 *
 * <p>It fails closed. A registry file that exists but cannot be read (corrupt, not the server's, a read error) would
 * lose revocations and used tokens if the registry started from the configuration, so the registry is then
 * <em>unusable</em>: every gateway is refused ({@link AuthReason#REGISTRY_UNUSABLE}), every change is refused, the file
 * is never written, and {@link #recheck} reads it again so that an operator who repairs (or removes) the file recovers
 * the monitor without a restart. A change that cannot be written is not made (a revocation is kept in memory all the
 * same: refusing is safe) and the caller is told.
 *
 * <p><b>In the database</b> ({@link AdmissionLink}, docs/design.md "The gateway registry in the database"): the
 * standings and bindings are read from the database manager at start; a registry file found then is imported once and
 * renamed ({@code .imported-<millis>}). If the database (or that file) cannot be read the registry is unusable as
 * above, never started from the configuration alone, and read again every {@link #RECHECK_MILLIS} on the registry's own
 * thread. Every change is on record at the database before the call returns; a token is used by one conditional UPDATE
 * there, so of two monitors sharing the database one alone admits a gateway with it. While the database is unreachable
 * the registry keeps admitting from what it holds (fail-static) and refuses every change
 * ({@link NotSavedException#unavailable()}); a revocation or unbinding still takes effect at once, and is saved when
 * the database answers again.
 *
 * <p>Thread-safe: inbound threads ask, the registry's thread ({@code monitor-registry}, {@link #submit}) approves,
 * revokes, binds and adds tokens for the mailbox, the conductor rechecks; the maps change under the registry's lock,
 * which is never held across a call to the database.
 */
final class GatewayRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GatewayRegistry.class.getName());
    /** How often an unusable registry file is read again. */
    static final long RECHECK_MILLIS = 2_000;

    enum Standing {
        APPROVED,
        PENDING,
        REVOKED
    }

    /** The decision for a gateway whose key was right. */
    record Admission(boolean accepted, AuthReason reason) {}

    /** A gateway allowed to serve the shared volume of this name (its export name). */
    record Binding(String name, long gatewayId) {
        Binding {
            if (!isVolumeName(name) || gatewayId == 0) {
                throw new IllegalArgumentException("a shared volume binding needs a volume name of 1.."
                        + VolumeDescriptor.MAX_NAME_LENGTH + " UTF-8 bytes and a gateway id, got '"
                        + name + "' and " + gatewayId);
            }
        }

        /** A name a gateway can announce: 1..64 bytes of UTF-8, as VOLUMES carries it. */
        static boolean isVolumeName(String name) {
            int length = name == null ? 0 : name.getBytes(StandardCharsets.UTF_8).length;
            return length >= 1 && length <= VolumeDescriptor.MAX_NAME_LENGTH;
        }
    }

    /** A change the registry did not make, or made without saving it; the message says why. */
    static final class NotSavedException extends Exception {
        private final boolean unavailable;

        NotSavedException(String message) {
            this(message, false);
        }

        NotSavedException(String message, boolean unavailable) {
            super(message);
            this.unavailable = unavailable;
        }

        /** The registry's database could not be reached (or read at start): the change may succeed later. */
        boolean unavailable() {
            return unavailable;
        }
    }

    private static final Admission UNUSABLE = new Admission(false, AuthReason.REGISTRY_UNUSABLE);

    private final Map<Long, Standing> standings = new ConcurrentHashMap<>();
    private final Set<String> tokenHashes = ConcurrentHashMap.newKeySet();
    private final Set<String> usedHashes = ConcurrentHashMap.newKeySet();
    private final Set<Long> configuredApprovals;
    private final Set<String> configuredTokenHashes;
    /** Bindings an operator made (true) or removed (false) through the mailbox: these win over the configuration's. */
    private final Map<Binding, Boolean> recordedBindings = new ConcurrentHashMap<>();

    private final Set<Binding> configuredBindings;
    private final Path file;
    private final LongAdder writesFailed = new LongAdder();
    /** Why the file cannot be used, or null when the registry is usable. */
    private volatile String unusable;

    private volatile String lastWriteError;
    private long nextRecheckMillis;
    /** The database the registry lives in, or null (a file, or memory alone). */
    private final AdmissionLink db;
    /** Changes from the mailbox, and the database's re-reads and retries: one at a time, in order. */
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("monitor-registry").daemon(true).factory());
    /** A re-read or retry is queued on {@link #thread} and not finished. */
    private final AtomicBoolean dbWorkQueued = new AtomicBoolean();
    /** Read from the database at least once: from then on an unreachable database leaves the registry usable. */
    private volatile boolean loadedFromDb;
    /** Why the last call on the database failed, or null since one succeeded. */
    private volatile String dbUnreachable;

    private volatile long dbFailedAtNanos;
    /** Revocations and unbindings in force here that the database has not taken yet. */
    private final Set<Long> unsavedRevocations = ConcurrentHashMap.newKeySet();

    private final Set<Binding> unsavedUnbindings = ConcurrentHashMap.newKeySet();

    /**
     * @param file where the standings are kept, or null to keep them in memory only; a file that exists but cannot be
     *     read leaves the registry unusable (see the class comment) until it can
     */
    GatewayRegistry(Set<Long> approved, Set<String> tokens, Path file) {
        this(approved, tokens, Map.of(), file);
    }

    /**
     * @param sharedVolumes for each shared volume name, the gateways the configuration binds to it
     * @param file where the standings are kept, or null to keep them in memory only; a file that exists but cannot be
     *     read leaves the registry unusable (see the class comment) until it can
     */
    GatewayRegistry(Set<Long> approved, Set<String> tokens, Map<String, Set<Long>> sharedVolumes, Path file) {
        this(approved, tokens, sharedVolumes, file, null);
    }

    /**
     * @param file a registry file to import into the database once (then renamed) when {@code db} is given, else as
     *     above
     * @param db the database the registry lives in, or null for the file (or memory)
     */
    GatewayRegistry(
            Set<Long> approved, Set<String> tokens, Map<String, Set<Long>> sharedVolumes, Path file, AdmissionLink db) {
        this.file = file;
        this.db = db;
        this.configuredBindings = sharedVolumes.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(id -> new Binding(e.getKey(), id)))
                .collect(Collectors.toUnmodifiableSet());
        this.configuredApprovals = Set.copyOf(approved);
        this.configuredTokenHashes = tokens.stream()
                .map(t -> RegistryFile.hashOf(t.getBytes(StandardCharsets.UTF_8)))
                .collect(Collectors.toUnmodifiableSet());
        if (db != null) {
            loadFromDatabase();
        } else {
            load();
        }
    }

    /** Reads the file (when there is one) and adds the configuration; leaves the registry unusable if it cannot. */
    private synchronized void load() {
        if (file != null) {
            try {
                RegistryFile.Contents contents = RegistryFile.read(file);
                // Revocations made while the file could not be read outlive its repair.
                List<Long> revokedMeanwhile = standings.entrySet().stream()
                        .filter(e -> e.getValue() == Standing.REVOKED)
                        .map(Map.Entry::getKey)
                        .toList();
                standings.putAll(contents.standings());
                revokedMeanwhile.forEach(id -> standings.put(id, Standing.REVOKED));
                // So do bindings removed meanwhile.
                List<Binding> unboundMeanwhile = recordedBindings.entrySet().stream()
                        .filter(e -> !e.getValue())
                        .map(Map.Entry::getKey)
                        .toList();
                recordedBindings.putAll(contents.bindings());
                unboundMeanwhile.forEach(binding -> recordedBindings.put(binding, false));
                tokenHashes.addAll(contents.tokenHashes());
                usedHashes.addAll(contents.usedHashes());
            } catch (NoSuchFileException e) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "gateway registry " + file + " does not exist yet; starting from the configuration");
            } catch (IOException | RegistryFile.CorruptRegistryException e) {
                String why = "gateway registry " + file + " cannot be read (" + e.getMessage() + ")";
                if (!why.equals(unusable)) {
                    LOG.log(
                            System.Logger.Level.ERROR,
                            why + ": REFUSING EVERY GATEWAY and every change until it is "
                                    + "repaired or removed (removing it starts over from the configuration, losing revocations "
                                    + "and used enrollment tokens); it is read again every " + RECHECK_MILLIS
                                    + " ms and left as it is");
                }
                unusable = why;
                return;
            }
        }
        configuredApprovals.forEach(id -> standings.putIfAbsent(id, Standing.APPROVED));
        for (String hash : configuredTokenHashes) {
            if (!usedHashes.contains(hash)) {
                tokenHashes.add(hash);
            }
        }
        if (unusable != null) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "gateway registry " + file + " is readable again; gateways are admitted again");
            unusable = null;
        }
        try {
            write();
        } catch (IOException e) {
            // counted and logged by write(); what was read stays in force
        }
    }

    /** Reads an unusable registry file again, at most every {@link #RECHECK_MILLIS}; nothing to do when usable. */
    void recheck(long nowMillis) {
        if (db != null) {
            boolean work = unusable != null || !unsavedRevocations.isEmpty() || !unsavedUnbindings.isEmpty();
            if (work && nowMillis >= nextRecheckMillis) {
                nextRecheckMillis = nowMillis + RECHECK_MILLIS;
                // On the registry's thread: the conductor never waits for the database.
                if (dbWorkQueued.compareAndSet(false, true)) {
                    submitOrDrop(() -> {
                        try {
                            if (unusable != null) {
                                loadFromDatabase();
                            }
                            saveUnsaved();
                        } finally {
                            dbWorkQueued.set(false);
                        }
                    });
                }
            }
            return;
        }
        if (unusable == null || nowMillis < nextRecheckMillis) {
            return;
        }
        nextRecheckMillis = nowMillis + RECHECK_MILLIS;
        load();
    }

    /**
     * Reads the registry from the database again (a standby taking over, docs/design.md), on the registry's thread;
     * what fails leaves the registry as it was. Nothing to do without a database.
     */
    void reload() {
        if (db != null) {
            submitOrDrop(() -> {
                loadFromDatabase();
                saveUnsaved();
            });
        }
    }

    /** Runs a change on the registry's thread, after those submitted before it. */
    void submit(Runnable change) {
        thread.execute(change);
    }

    private void submitOrDrop(Runnable work) {
        try {
            thread.execute(work);
        } catch (RejectedExecutionException closing) {
            dbWorkQueued.set(false);
        }
    }

    // ---------------------------------------------------------------- the registry in the database

    /**
     * Imports a registry file left from before (once: it is renamed after), adds the configuration's tokens, reads
     * every standing and binding, and puts them in force with the configuration's approvals where the database says
     * nothing. A failure leaves the registry unusable if it was never read, else as it was.
     */
    private void loadFromDatabase() {
        AdmissionLink.Contents contents;
        try {
            importFileOnce();
            for (String hash : configuredTokenHashes) {
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
            becomeUnusable("gateway registry " + file + " cannot be read for its import into the database ("
                    + e.getMessage() + ")");
            return;
        }
        synchronized (this) {
            // What the database says replaces what was read before; pending gateways and unsaved revocations stay.
            List<Long> decided = standings.entrySet().stream()
                    .filter(e -> e.getValue() != Standing.PENDING)
                    .map(Map.Entry::getKey)
                    .toList();
            decided.forEach(id -> {
                // Admissions read without the lock: what stays in force is never absent, not even for a moment.
                if (!contents.standings().containsKey(id)
                        && !configuredApprovals.contains(id)
                        && !unsavedRevocations.contains(id)) {
                    standings.remove(id);
                }
            });
            standings.putAll(contents.standings());
            unsavedRevocations.forEach(id -> standings.put(id, Standing.REVOKED));
            configuredApprovals.forEach(id -> {
                if (standings.get(id) == null || standings.get(id) == Standing.PENDING) {
                    standings.put(id, Standing.APPROVED);
                }
            });
            recordedBindings.clear();
            recordedBindings.putAll(contents.bindings());
            unsavedUnbindings.forEach(binding -> recordedBindings.put(binding, false));
            loadedFromDb = true;
            if (unusable != null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the gateway registry is read from the database again; gateways are admitted again");
                unusable = null;
            }
        }
        LOG.log(
                System.Logger.Level.INFO,
                "gateway registry read from the database: "
                        + contents.standings().size() + " standings, "
                        + contents.bindings().size() + " shared volume bindings");
    }

    /** The registry file of a monitor before the database held the registry: merged into the database, then renamed. */
    private void importFileOnce()
            throws IOException, RegistryFile.CorruptRegistryException, AdmissionLink.UnavailableException {
        if (file == null || !Files.exists(file)) {
            return;
        }
        RegistryFile.Contents contents;
        try {
            contents = RegistryFile.read(file);
        } catch (NoSuchFileException gone) {
            return;
        }
        db.importFile(contents);
        Path renamed = file.resolveSibling(file.getFileName() + ".imported-" + System.currentTimeMillis());
        try {
            Files.move(file, renamed);
            LOG.log(
                    System.Logger.Level.WARNING,
                    "gateway registry " + file + " imported into the database ("
                            + contents.standings().size() + " standings, "
                            + contents.tokenHashes().size() + " unused and "
                            + contents.usedHashes().size() + " used tokens, "
                            + contents.bindings().size()
                            + " bindings) and renamed " + renamed.getFileName()
                            + "; the database holds the registry from now on");
        } catch (IOException e) {
            // Imported all the same; the next start imports it again, which changes nothing the database decided since
            // but a revocation the file holds.
            LOG.log(
                    System.Logger.Level.ERROR,
                    "gateway registry " + file
                            + " imported into the database but not renamed: "
                            + e + "; rename or remove it, or it is imported again at the next start");
        }
    }

    private synchronized void becomeUnusable(String why) {
        if (!why.equals(unusable)) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    why + ": REFUSING EVERY GATEWAY and every change until it can be read; " + "tried again every "
                            + RECHECK_MILLIS + " ms");
        }
        unusable = why;
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
    String dbUnreachable() {
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
        writesFailed.increment();
        lastWriteError = e.getMessage();
        return new NotSavedException(
                what + ": the gateway registry's database cannot be reached (" + e.getMessage() + ")", true);
    }

    /**
     * Uses a token at the database; while it is known to be unreachable (failed within {@link #RECHECK_MILLIS}) the
     * enrolling thread does not wait for it again.
     */
    private Admission enrolInDatabase(long gatewayId, String tokenHash) {
        if (unusable != null) {
            return UNUSABLE;
        }
        if (standings.get(gatewayId) == Standing.REVOKED) {
            return new Admission(false, AuthReason.REVOKED);
        }
        if (dbUnreachable != null
                && System.nanoTime() - dbFailedAtNanos < TimeUnit.MILLISECONDS.toNanos(RECHECK_MILLIS)) {
            return UNUSABLE;
        }
        AdmissionLink.TokenUse use;
        try {
            use = db.useToken(tokenHash, gatewayId);
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            dbFailed(e.getMessage());
            return UNUSABLE;
        }
        synchronized (this) {
            switch (use) {
                case BAD_TOKEN -> {
                    return new Admission(false, AuthReason.BAD_TOKEN);
                }
                case REVOKED -> {
                    // Revoked at the database by another server: in force here too.
                    standings.put(gatewayId, Standing.REVOKED);
                    return new Admission(false, AuthReason.REVOKED);
                }
                default -> {
                    if (standings.get(gatewayId) == Standing.REVOKED) {
                        // Revoked here while the token was used: the revocation wins (and reaches the database).
                        return new Admission(false, AuthReason.REVOKED);
                    }
                    standings.put(gatewayId, Standing.APPROVED);
                    return new Admission(true, AuthReason.NONE);
                }
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (db != null) {
            db.close();
        }
    }

    Admission admit(long gatewayId, byte[] enrollmentToken) {
        if (unusable != null) {
            return UNUSABLE;
        }
        Standing standing = standings.get(gatewayId);
        if (standing == Standing.REVOKED) {
            return new Admission(false, AuthReason.REVOKED);
        }
        if (standing == Standing.APPROVED) {
            return new Admission(true, AuthReason.NONE);
        }
        if (enrollmentToken != null && enrollmentToken.length > 0) {
            return enrol(gatewayId, RegistryFile.hashOf(enrollmentToken));
        }
        if (standings.putIfAbsent(gatewayId, Standing.PENDING) == null) {
            LOG.log(System.Logger.Level.INFO, "gateway " + gatewayId + " awaits approval");
        }
        return new Admission(false, AuthReason.AWAITING_APPROVAL);
    }

    /**
     * Whether a gateway enrolling for a certificate (ENROLL) may have one: only with a valid token, used up here and on
     * disk before the answer, whatever the gateway's standing (an approved gateway that lost its certificate enrolls
     * again with a new token); never when revoked.
     */
    Admission enrolForCertificate(long gatewayId, byte[] enrollmentToken) {
        return enrol(gatewayId, RegistryFile.hashOf(enrollmentToken));
    }

    private Admission enrol(long gatewayId, String tokenHash) {
        return db != null ? enrolInDatabase(gatewayId, tokenHash) : enrolInFile(gatewayId, tokenHash);
    }

    /**
     * Admits a gateway with a token only once the token's use is on disk, so it cannot admit a second one after a
     * restart.
     */
    private synchronized Admission enrolInFile(long gatewayId, String tokenHash) {
        if (unusable != null) {
            return UNUSABLE;
        }
        if (standings.get(gatewayId) == Standing.REVOKED) {
            // Checked under the lock: a revocation made since the caller looked is not overwritten.
            return new Admission(false, AuthReason.REVOKED);
        }
        if (!tokenHashes.remove(tokenHash)) {
            return new Admission(false, AuthReason.BAD_TOKEN);
        }
        usedHashes.add(tokenHash);
        Standing before = standings.put(gatewayId, Standing.APPROVED);
        try {
            write();
        } catch (IOException e) {
            usedHashes.remove(tokenHash);
            tokenHashes.add(tokenHash);
            restore(gatewayId, before);
            return UNUSABLE;
        }
        return new Admission(true, AuthReason.NONE);
    }

    void approve(long gatewayId) throws NotSavedException {
        if (db == null) {
            approveInFile(gatewayId);
            return;
        }
        requireUsable();
        try {
            db.setStanding(gatewayId, Standing.APPROVED);
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            throw notSaved("gateway " + gatewayId + " not approved", e);
        }
        synchronized (this) {
            unsavedRevocations.remove(gatewayId);
            standings.put(gatewayId, Standing.APPROVED);
        }
    }

    private synchronized void approveInFile(long gatewayId) throws NotSavedException {
        requireUsable();
        Standing before = standings.put(gatewayId, Standing.APPROVED);
        try {
            write();
        } catch (IOException e) {
            restore(gatewayId, before);
            throw new NotSavedException("gateway " + gatewayId + " not approved: " + lastWriteError);
        }
    }

    /**
     * Refuses the gateway from now on even when the revocation cannot be saved: it then lasts until a restart, or is
     * saved when an unusable file can be read again.
     */
    void revoke(long gatewayId) throws NotSavedException {
        if (db == null) {
            revokeInFile(gatewayId);
            return;
        }
        synchronized (this) {
            // Under the lock: an enrolment that used a token meanwhile finds it and does not approve.
            standings.put(gatewayId, Standing.REVOKED);
        }
        String why = unusable;
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

    private synchronized void revokeInFile(long gatewayId) throws NotSavedException {
        standings.put(gatewayId, Standing.REVOKED);
        String why = unusable;
        if (why != null) {
            throw new NotSavedException("gateway " + gatewayId
                    + " refused, but the revocation is saved only once the registry " + "can be read again: " + why);
        }
        try {
            write();
        } catch (IOException e) {
            throw new NotSavedException("gateway " + gatewayId
                    + " refused until the monitor restarts, but the revocation is not saved: " + lastWriteError);
        }
    }

    /** A single-use token, given as its SHA-256 (hex); false if it was used before. */
    boolean addToken(String tokenHash) throws NotSavedException {
        if (db == null) {
            return addTokenInFile(tokenHash);
        }
        requireUsable();
        try {
            boolean added = db.addToken(tokenHash);
            dbAnswered();
            return added;
        } catch (AdmissionLink.UnavailableException e) {
            throw notSaved("enrollment token not added", e);
        }
    }

    private synchronized boolean addTokenInFile(String tokenHash) throws NotSavedException {
        requireUsable();
        if (usedHashes.contains(tokenHash)) {
            return false;
        }
        if (!tokenHashes.add(tokenHash)) {
            return true;
        }
        try {
            write();
        } catch (IOException e) {
            tokenHashes.remove(tokenHash);
            throw new NotSavedException("enrollment token not added: " + lastWriteError);
        }
        return true;
    }

    /**
     * Whether the gateway may serve the volume its exports flag shared under {@code name}: bound to it by an operator
     * or by the configuration, and not unbound on record since. Never while the registry is unusable.
     */
    boolean mayServeShared(long gatewayId, String name) {
        if (unusable != null || gatewayId == 0 || !Binding.isVolumeName(name)) {
            return false;
        }
        Binding binding = new Binding(name, gatewayId);
        Boolean recorded = recordedBindings.get(binding);
        return recorded != null ? recorded : configuredBindings.contains(binding);
    }

    /**
     * Lets the gateway serve the shared volume {@code name} from its next registration on; on disk before it returns.
     */
    void bind(String name, long gatewayId) throws NotSavedException {
        if (db == null) {
            bindInFile(name, gatewayId);
            return;
        }
        requireUsable();
        Binding binding = new Binding(name, gatewayId);
        try {
            db.setBinding(binding, true);
            dbAnswered();
        } catch (AdmissionLink.UnavailableException e) {
            throw notSaved("shared volume " + name + " not bound to gateway " + gatewayId, e);
        }
        synchronized (this) {
            unsavedUnbindings.remove(binding);
            recordedBindings.put(binding, true);
        }
    }

    private synchronized void bindInFile(String name, long gatewayId) throws NotSavedException {
        requireUsable();
        Binding binding = new Binding(name, gatewayId);
        Boolean before = recordedBindings.put(binding, true);
        try {
            write();
        } catch (IOException e) {
            if (before == null) {
                recordedBindings.remove(binding);
            } else {
                recordedBindings.put(binding, before);
            }
            throw new NotSavedException(
                    "shared volume " + name + " not bound to gateway " + gatewayId + ": " + lastWriteError);
        }
    }

    /**
     * Takes the shared volume {@code name} from the gateway, even when the change cannot be saved (it then lasts until
     * a restart, or is saved when an unusable file can be read again), as a revocation does.
     */
    void unbind(String name, long gatewayId) throws NotSavedException {
        if (db == null) {
            unbindInFile(name, gatewayId);
            return;
        }
        Binding binding = new Binding(name, gatewayId);
        recordedBindings.put(binding, false);
        String why = unusable;
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

    private synchronized void unbindInFile(String name, long gatewayId) throws NotSavedException {
        recordedBindings.put(new Binding(name, gatewayId), false);
        String why = unusable;
        if (why != null) {
            throw new NotSavedException("shared volume " + name + " unbound from gateway " + gatewayId
                    + ", but this is saved only " + "once the registry can be read again: " + why);
        }
        try {
            write();
        } catch (IOException e) {
            throw new NotSavedException("shared volume " + name + " unbound from gateway " + gatewayId
                    + " until the monitor " + "restarts, but this is not saved: " + lastWriteError);
        }
    }

    private void requireUsable() throws NotSavedException {
        String why = unusable;
        if (why != null) {
            throw new NotSavedException(
                    why + "; no change is made until it " + (db != null ? "can be read" : "is repaired or removed"),
                    db != null);
        }
    }

    private void restore(long gatewayId, Standing before) {
        if (before == null) {
            standings.remove(gatewayId);
        } else {
            standings.put(gatewayId, before);
        }
    }

    Standing standing(long gatewayId) {
        return standings.get(gatewayId);
    }

    long pendingCount() {
        return standings.values().stream().filter(s -> s == Standing.PENDING).count();
    }

    /** Why the registry file cannot be read (every gateway is refused meanwhile), or null. */
    String unusable() {
        return unusable;
    }

    /** Why the last write of the registry file failed, or null once one succeeded. */
    String lastWriteError() {
        return lastWriteError;
    }

    /** Writes of the registry file that failed since the monitor started. */
    long writesFailed() {
        return writesFailed.sum();
    }

    private void write() throws IOException {
        if (file == null) {
            return;
        }
        try {
            RegistryFile.write(file, standings, tokenHashes, usedHashes, recordedBindings);
            lastWriteError = null;
        } catch (IOException e) {
            writesFailed.increment();
            lastWriteError = "cannot write the gateway registry " + file + ": " + e;
            LOG.log(System.Logger.Level.ERROR, lastWriteError);
            throw e;
        }
    }

    /** The database manager link of a registry kept in the database; null for one kept in a file. */
    AdmissionLink databaseLink() {
        return db;
    }
}
