package io.sluice.monitor;

import io.sluice.protocol.AuthReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which gateways may open a session. A gateway proves who it is with its key (derived from the
 * deployment secret); whether it is welcome is this registry's answer: approved, pending an admin's
 * approval, or revoked. A valid enrollment token admits an unknown gateway at once (single use).
 * With a file, every change is written through ({@link RegistryFile}) so standings and tokens given
 * through the mailbox survive a restart; a revocation on record wins over the configuration's approvals.
 * Thread-safe: inbound threads ask, the mailbox thread approves, revokes and adds tokens; changes and
 * writes are serialised on the registry.
 */
final class GatewayRegistry {
    private static final System.Logger LOG = System.getLogger(GatewayRegistry.class.getName());

    enum Standing { APPROVED, PENDING, REVOKED }

    /** The decision for a gateway whose key was right. */
    record Admission(boolean accepted, AuthReason reason) {
    }

    private final Map<Long, Standing> standings = new ConcurrentHashMap<>();
    private final Set<String> tokenHashes = ConcurrentHashMap.newKeySet();
    private final Set<String> usedHashes = ConcurrentHashMap.newKeySet();
    private final Path file;
    private volatile String lastWriteError;

    /**
     * @param file where the standings are kept, or null to keep them in memory only; a file that cannot
     *             be read is moved aside (and logged) and the registry starts from the configuration
     */
    GatewayRegistry(Set<Long> approved, Set<String> tokens, Path file) {
        this.file = file;
        if (file != null && Files.exists(file)) {
            try {
                RegistryFile.Contents contents = RegistryFile.read(file);
                standings.putAll(contents.standings());
                tokenHashes.addAll(contents.tokenHashes());
                usedHashes.addAll(contents.usedHashes());
            } catch (IOException | RegistryFile.CorruptRegistryException e) {
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
                try {
                    Files.move(file, aside);
                } catch (IOException moveFailed) {
                    aside = null;
                }
                LOG.log(System.Logger.Level.ERROR, "gateway registry " + e.getMessage() + "; "
                        + (aside == null ? "left in place" : "moved to " + aside)
                        + "; starting from the configured approvals only");
            }
        }
        approved.forEach(id -> standings.putIfAbsent(id, Standing.APPROVED));
        for (String token : tokens) {
            String hash = RegistryFile.hashOf(token.getBytes(StandardCharsets.UTF_8));
            if (!usedHashes.contains(hash)) {
                tokenHashes.add(hash);
            }
        }
        write();
    }

    Admission admit(long gatewayId, byte[] enrollmentToken) {
        Standing standing = standings.get(gatewayId);
        if (standing == Standing.REVOKED) {
            return new Admission(false, AuthReason.REVOKED);
        }
        if (standing == Standing.APPROVED) {
            return new Admission(true, AuthReason.NONE);
        }
        if (enrollmentToken != null && enrollmentToken.length > 0) {
            return enrol(gatewayId, RegistryFile.hashOf(enrollmentToken))
                    ? new Admission(true, AuthReason.NONE) : new Admission(false, AuthReason.BAD_TOKEN);
        }
        if (standings.putIfAbsent(gatewayId, Standing.PENDING) == null) {
            LOG.log(System.Logger.Level.INFO, "gateway " + gatewayId + " awaits approval");
        }
        return new Admission(false, AuthReason.AWAITING_APPROVAL);
    }

    private synchronized boolean enrol(long gatewayId, String tokenHash) {
        if (!tokenHashes.remove(tokenHash)) {
            return false;
        }
        usedHashes.add(tokenHash);
        standings.put(gatewayId, Standing.APPROVED);
        write();
        return true;
    }

    synchronized void approve(long gatewayId) {
        standings.put(gatewayId, Standing.APPROVED);
        write();
    }

    synchronized void revoke(long gatewayId) {
        standings.put(gatewayId, Standing.REVOKED);
        write();
    }

    /** A single-use token, given as its SHA-256 (hex); false if it was used before. */
    synchronized boolean addToken(String tokenHash) {
        if (usedHashes.contains(tokenHash)) {
            return false;
        }
        tokenHashes.add(tokenHash);
        write();
        return true;
    }

    Standing standing(long gatewayId) {
        return standings.get(gatewayId);
    }

    long pendingCount() {
        return standings.values().stream().filter(s -> s == Standing.PENDING).count();
    }

    /** Why the last write of the registry file failed, or null. */
    String lastWriteError() {
        return lastWriteError;
    }

    private synchronized void write() {
        if (file == null) {
            return;
        }
        try {
            RegistryFile.write(file, standings, tokenHashes, usedHashes);
            lastWriteError = null;
        } catch (IOException e) {
            lastWriteError = "cannot write " + file + ": " + e;
            LOG.log(System.Logger.Level.ERROR, lastWriteError);
        }
    }
}
