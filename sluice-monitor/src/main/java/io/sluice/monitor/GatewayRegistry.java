package io.sluice.monitor;

import io.sluice.protocol.AuthReason;
import io.sluice.protocol.VolumeDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * <p>Where it is on record is a {@link RegistryStore}: {@link RegistryInFile} or {@link RegistryInDatabase}; this class
 * holds the maps they fill and answers the questions.
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

    static final Admission UNUSABLE = new Admission(false, AuthReason.REGISTRY_UNUSABLE);

    // The state, read by inbound threads without a lock and changed by the stores under this registry's lock.
    final Map<Long, Standing> standings = new ConcurrentHashMap<>();
    final Set<String> tokenHashes = ConcurrentHashMap.newKeySet();
    final Set<String> usedHashes = ConcurrentHashMap.newKeySet();
    final Set<Long> configuredApprovals;
    final Set<String> configuredTokenHashes;
    /** Bindings an operator made (true) or removed (false) through the mailbox: these win over the configuration's. */
    final Map<Binding, Boolean> recordedBindings = new ConcurrentHashMap<>();

    final Set<Binding> configuredBindings;
    /** The registry file, or the file to import into the database once; null for none. */
    final Path file;

    final LongAdder writesFailed = new LongAdder();
    /** Why the registry cannot be used, or null when it is usable. */
    volatile String unusable;

    volatile String lastWriteError;
    /** The database the registry lives in, or null (a file, or memory alone). */
    private final AdmissionLink db;
    /** Where the registry is on record: the file (or memory) or the database. */
    private final RegistryStore store;
    /** Changes from the mailbox, and the database's re-reads and retries: one at a time, in order. */
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("monitor-registry").daemon(true).factory());

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
        this.store = db != null ? new RegistryInDatabase(this, db) : new RegistryInFile(this);
        store.load();
    }

    /**
     * Reads an unusable registry again, at most every {@link #RECHECK_MILLIS} (in the database: on the registry's
     * thread, with the changes not saved yet); nothing to do when usable. Conductor thread.
     */
    void recheck(long nowMillis) {
        store.recheck(nowMillis);
    }

    /**
     * Reads the registry from the database again (a standby taking over, docs/design.md), on the registry's thread;
     * what fails leaves the registry as it was. Nothing to do without a database.
     */
    void reload() {
        store.reload();
    }

    /** Runs a change on the registry's thread, after those submitted before it. */
    void submit(Runnable change) {
        thread.execute(change);
    }

    /** Runs work of the store's on the registry's thread; refused once the registry is closed. */
    void execute(Runnable work) {
        thread.execute(work);
    }

    /** Why the registry's database could not be reached at the last call, or null (also without a database). */
    String dbUnreachable() {
        return store.dbUnreachable();
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
        return store.enrol(gatewayId, tokenHash);
    }

    void approve(long gatewayId) throws NotSavedException {
        store.approve(gatewayId);
    }

    /**
     * Refuses the gateway from now on even when the revocation cannot be saved: it then lasts until a restart, or is
     * saved when an unusable file can be read again.
     */
    void revoke(long gatewayId) throws NotSavedException {
        store.revoke(gatewayId);
    }

    /** A single-use token, given as its SHA-256 (hex); false if it was used before. */
    boolean addToken(String tokenHash) throws NotSavedException {
        return store.addToken(tokenHash);
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
        store.bind(name, gatewayId);
    }

    /**
     * Takes the shared volume {@code name} from the gateway, even when the change cannot be saved (it then lasts until
     * a restart, or is saved when an unusable file can be read again), as a revocation does.
     */
    void unbind(String name, long gatewayId) throws NotSavedException {
        store.unbind(name, gatewayId);
    }

    void requireUsable() throws NotSavedException {
        String why = unusable;
        if (why != null) {
            throw new NotSavedException(
                    why + "; no change is made until it " + (db != null ? "can be read" : "is repaired or removed"),
                    db != null);
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

    /** The database manager link of a registry kept in the database; null for one kept in a file. */
    AdmissionLink databaseLink() {
        return db;
    }
}
