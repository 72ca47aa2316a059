package io.sluice.monitor;

import io.sluice.protocol.AuthReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which gateways may open a session. A gateway proves who it is with its key (derived from the
 * deployment secret); whether it is welcome is this registry's answer: approved, pending an admin's
 * approval, or revoked. A valid enrollment token admits an unknown gateway at once (single use).
 * With a file, every change is written through ({@link RegistryFile}) so standings and tokens given
 * through the mailbox survive a restart; a revocation on record wins over the configuration's approvals.
 *
 * <p>It also says which gateways may serve a volume their exports flag shared ({@link #mayServeShared}): a shared
 * name is one volume whatever gateway serves it, so only the gateways an operator bound to the name may join it,
 * receive its throttles and report for it. Bindings come from the configuration ({@code monitor.shared-volumes})
 * and from operators through the mailbox ({@link #bind}, {@link #unbind}), which are kept in the file like
 * approvals; an unbinding on record wins over the configuration's binding, as a revocation wins over an approval.
 *
 * <p>It fails closed. A registry file that exists but cannot be read (corrupt, not the server's, a read
 * error) would lose revocations and used tokens if the registry started from the configuration, so the
 * registry is then <em>unusable</em>: every gateway is refused ({@link AuthReason#REGISTRY_UNUSABLE}),
 * every change is refused, the file is never written, and {@link #recheck} reads it again so that an
 * operator who repairs (or removes) the file recovers the monitor without a restart. A change that
 * cannot be written is not made (a revocation is kept in memory all the same: refusing is safe) and
 * the caller is told.
 *
 * <p>Thread-safe: inbound threads ask, the mailbox thread approves, revokes and adds tokens, the
 * conductor rechecks; changes, reads and writes are serialised on the registry.
 */
final class GatewayRegistry {
    private static final System.Logger LOG = System.getLogger(GatewayRegistry.class.getName());
    /** How often an unusable registry file is read again. */
    static final long RECHECK_MILLIS = 2_000;

    enum Standing { APPROVED, PENDING, REVOKED }

    /** The decision for a gateway whose key was right. */
    record Admission(boolean accepted, AuthReason reason) {
    }

    /** A gateway allowed to serve the shared volume of this name (its export name). */
    record Binding(String name, long gatewayId) {
        Binding {
            if (!isVolumeName(name) || gatewayId == 0) {
                throw new IllegalArgumentException("a shared volume binding needs a volume name of 1.."
                        + io.sluice.protocol.VolumeDescriptor.MAX_NAME_LENGTH + " UTF-8 bytes and a gateway id, got '"
                        + name + "' and " + gatewayId);
            }
        }

        /** A name a gateway can announce: 1..64 bytes of UTF-8, as VOLUMES carries it. */
        static boolean isVolumeName(String name) {
            int length = name == null ? 0 : name.getBytes(StandardCharsets.UTF_8).length;
            return length >= 1 && length <= io.sluice.protocol.VolumeDescriptor.MAX_NAME_LENGTH;
        }
    }

    /** A change the registry did not make, or made without saving it; the message says why. */
    static final class NotSavedException extends Exception {
        NotSavedException(String message) {
            super(message);
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

    /**
     * @param file where the standings are kept, or null to keep them in memory only; a file that exists
     *             but cannot be read leaves the registry unusable (see the class comment) until it can
     */
    GatewayRegistry(Set<Long> approved, Set<String> tokens, Path file) {
        this(approved, tokens, Map.of(), file);
    }

    /**
     * @param sharedVolumes for each shared volume name, the gateways the configuration binds to it
     * @param file          where the standings are kept, or null to keep them in memory only; a file that exists
     *                      but cannot be read leaves the registry unusable (see the class comment) until it can
     */
    GatewayRegistry(Set<Long> approved, Set<String> tokens, Map<String, Set<Long>> sharedVolumes, Path file) {
        this.file = file;
        this.configuredBindings = sharedVolumes.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(id -> new Binding(e.getKey(), id)))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.configuredApprovals = Set.copyOf(approved);
        this.configuredTokenHashes = tokens.stream()
                .map(t -> RegistryFile.hashOf(t.getBytes(StandardCharsets.UTF_8))).collect(java.util.stream.Collectors.toUnmodifiableSet());
        load();
    }

    /** Reads the file (when there is one) and adds the configuration; leaves the registry unusable if it cannot. */
    private synchronized void load() {
        if (file != null) {
            try {
                RegistryFile.Contents contents = RegistryFile.read(file);
                // Revocations made while the file could not be read outlive its repair.
                java.util.List<Long> revokedMeanwhile = standings.entrySet().stream()
                        .filter(e -> e.getValue() == Standing.REVOKED).map(Map.Entry::getKey).toList();
                standings.putAll(contents.standings());
                revokedMeanwhile.forEach(id -> standings.put(id, Standing.REVOKED));
                // So do bindings removed meanwhile.
                java.util.List<Binding> unboundMeanwhile = recordedBindings.entrySet().stream()
                        .filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
                recordedBindings.putAll(contents.bindings());
                unboundMeanwhile.forEach(binding -> recordedBindings.put(binding, false));
                tokenHashes.addAll(contents.tokenHashes());
                usedHashes.addAll(contents.usedHashes());
            } catch (NoSuchFileException e) {
                LOG.log(System.Logger.Level.INFO, "gateway registry " + file + " does not exist yet; starting from the configuration");
            } catch (IOException | RegistryFile.CorruptRegistryException e) {
                String why = "gateway registry " + file + " cannot be read (" + e.getMessage() + ")";
                if (!why.equals(unusable)) {
                    LOG.log(System.Logger.Level.ERROR, why + ": REFUSING EVERY GATEWAY and every change until it is "
                            + "repaired or removed (removing it starts over from the configuration, losing revocations "
                            + "and used enrollment tokens); it is read again every " + RECHECK_MILLIS + " ms and left as it is");
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
            LOG.log(System.Logger.Level.WARNING, "gateway registry " + file + " is readable again; gateways are admitted again");
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
        if (unusable == null || nowMillis < nextRecheckMillis) {
            return;
        }
        nextRecheckMillis = nowMillis + RECHECK_MILLIS;
        load();
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
     * Whether a gateway enrolling for a certificate (ENROLL) may have one: only with a valid token, used up here
     * and on disk before the answer, whatever the gateway's standing (an approved gateway that lost its
     * certificate enrolls again with a new token); never when revoked.
     */
    Admission enrolForCertificate(long gatewayId, byte[] enrollmentToken) {
        return enrol(gatewayId, RegistryFile.hashOf(enrollmentToken));
    }

    /** Admits a gateway with a token only once the token's use is on disk, so it cannot admit a second one after a restart. */
    private synchronized Admission enrol(long gatewayId, String tokenHash) {
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

    synchronized void approve(long gatewayId) throws NotSavedException {
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
     * Refuses the gateway from now on even when the revocation cannot be saved: it then lasts until a
     * restart, or is saved when an unusable file can be read again.
     */
    synchronized void revoke(long gatewayId) throws NotSavedException {
        standings.put(gatewayId, Standing.REVOKED);
        String why = unusable;
        if (why != null) {
            throw new NotSavedException("gateway " + gatewayId + " refused, but the revocation is saved only once the registry "
                    + "can be read again: " + why);
        }
        try {
            write();
        } catch (IOException e) {
            throw new NotSavedException("gateway " + gatewayId + " refused until the monitor restarts, but the revocation is not saved: "
                    + lastWriteError);
        }
    }

    /** A single-use token, given as its SHA-256 (hex); false if it was used before. */
    synchronized boolean addToken(String tokenHash) throws NotSavedException {
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

    /** Lets the gateway serve the shared volume {@code name} from its next registration on; on disk before it returns. */
    synchronized void bind(String name, long gatewayId) throws NotSavedException {
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
            throw new NotSavedException("shared volume " + name + " not bound to gateway " + gatewayId + ": " + lastWriteError);
        }
    }

    /**
     * Takes the shared volume {@code name} from the gateway, even when the change cannot be saved (it then lasts until a
     * restart, or is saved when an unusable file can be read again), as a revocation does.
     */
    synchronized void unbind(String name, long gatewayId) throws NotSavedException {
        recordedBindings.put(new Binding(name, gatewayId), false);
        String why = unusable;
        if (why != null) {
            throw new NotSavedException("shared volume " + name + " unbound from gateway " + gatewayId + ", but this is saved only "
                    + "once the registry can be read again: " + why);
        }
        try {
            write();
        } catch (IOException e) {
            throw new NotSavedException("shared volume " + name + " unbound from gateway " + gatewayId + " until the monitor "
                    + "restarts, but this is not saved: " + lastWriteError);
        }
    }

    private void requireUsable() throws NotSavedException {
        String why = unusable;
        if (why != null) {
            throw new NotSavedException(why + "; no change is made until it is repaired or removed");
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
}
