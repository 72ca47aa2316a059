package io.sluice.monitor;

import io.sluice.monitor.GatewayRegistry.Admission;
import io.sluice.monitor.GatewayRegistry.Binding;
import io.sluice.monitor.GatewayRegistry.NotSavedException;
import io.sluice.monitor.GatewayRegistry.Standing;
import io.sluice.protocol.AuthReason;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;

/**
 * The gateway registry kept in a file ({@link RegistryFile}), or in memory alone when there is none: every change is
 * written through under the registry's lock before it counts, and a file that cannot be read leaves the registry
 * unusable until {@link #recheck} reads it again (see {@link GatewayRegistry}).
 */
final class RegistryInFile implements RegistryStore {
    private static final System.Logger LOG = System.getLogger(GatewayRegistry.class.getName());

    private final GatewayRegistry registry;
    /** When an unusable file is read again next; conductor thread. */
    private long nextRecheckMillis;

    RegistryInFile(GatewayRegistry registry) {
        this.registry = registry;
    }

    /** Reads the file (when there is one) and adds the configuration; leaves the registry unusable if it cannot. */
    @Override
    public void load() {
        synchronized (registry) {
            if (registry.file != null) {
                try {
                    RegistryFile.Contents contents = RegistryFile.read(registry.file);
                    // Revocations made while the file could not be read outlive its repair.
                    List<Long> revokedMeanwhile = registry.standings.entrySet().stream()
                            .filter(e -> e.getValue() == Standing.REVOKED)
                            .map(Map.Entry::getKey)
                            .toList();
                    registry.standings.putAll(contents.standings());
                    revokedMeanwhile.forEach(id -> registry.standings.put(id, Standing.REVOKED));
                    // So do bindings removed meanwhile.
                    List<Binding> unboundMeanwhile = registry.recordedBindings.entrySet().stream()
                            .filter(e -> !e.getValue())
                            .map(Map.Entry::getKey)
                            .toList();
                    registry.recordedBindings.putAll(contents.bindings());
                    unboundMeanwhile.forEach(binding -> registry.recordedBindings.put(binding, false));
                    registry.tokenHashes.addAll(contents.tokenHashes());
                    registry.usedHashes.addAll(contents.usedHashes());
                } catch (NoSuchFileException e) {
                    LOG.log(
                            System.Logger.Level.INFO,
                            "gateway registry " + registry.file
                                    + " does not exist yet; starting from the configuration");
                } catch (IOException | RegistryFile.CorruptRegistryException e) {
                    String why = "gateway registry " + registry.file + " cannot be read (" + e.getMessage() + ")";
                    if (!why.equals(registry.unusable)) {
                        LOG.log(
                                System.Logger.Level.ERROR,
                                why + ": REFUSING EVERY GATEWAY and every change until it is "
                                        + "repaired or removed (removing it starts over from the configuration, losing revocations "
                                        + "and used enrollment tokens); it is read again every "
                                        + GatewayRegistry.RECHECK_MILLIS
                                        + " ms and left as it is");
                    }
                    registry.unusable = why;
                    return;
                }
            }
            registry.configuredApprovals.forEach(id -> registry.standings.putIfAbsent(id, Standing.APPROVED));
            for (String hash : registry.configuredTokenHashes) {
                if (!registry.usedHashes.contains(hash)) {
                    registry.tokenHashes.add(hash);
                }
            }
            if (registry.unusable != null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "gateway registry " + registry.file + " is readable again; gateways are admitted again");
                registry.unusable = null;
            }
            try {
                write();
            } catch (IOException e) {
                // counted and logged by write(); what was read stays in force
            }
        }
    }

    /** Reads an unusable registry file again, at most every {@link GatewayRegistry#RECHECK_MILLIS}. */
    @Override
    public void recheck(long nowMillis) {
        if (registry.unusable == null || nowMillis < nextRecheckMillis) {
            return;
        }
        nextRecheckMillis = nowMillis + GatewayRegistry.RECHECK_MILLIS;
        load();
    }

    /**
     * Admits a gateway with a token only once the token's use is on disk, so it cannot admit a second one after a
     * restart.
     */
    @Override
    public Admission enrol(long gatewayId, String tokenHash) {
        synchronized (registry) {
            if (registry.unusable != null) {
                return GatewayRegistry.UNUSABLE;
            }
            if (registry.standings.get(gatewayId) == Standing.REVOKED) {
                // Checked under the lock: a revocation made since the caller looked is not overwritten.
                return new Admission(false, AuthReason.REVOKED);
            }
            if (!registry.tokenHashes.remove(tokenHash)) {
                return new Admission(false, AuthReason.BAD_TOKEN);
            }
            registry.usedHashes.add(tokenHash);
            Standing before = registry.standings.put(gatewayId, Standing.APPROVED);
            try {
                write();
            } catch (IOException e) {
                registry.usedHashes.remove(tokenHash);
                registry.tokenHashes.add(tokenHash);
                restore(gatewayId, before);
                return GatewayRegistry.UNUSABLE;
            }
            return new Admission(true, AuthReason.NONE);
        }
    }

    @Override
    public void approve(long gatewayId) throws NotSavedException {
        synchronized (registry) {
            registry.requireUsable();
            Standing before = registry.standings.put(gatewayId, Standing.APPROVED);
            try {
                write();
            } catch (IOException e) {
                restore(gatewayId, before);
                throw new NotSavedException("gateway " + gatewayId + " not approved: " + registry.lastWriteError);
            }
        }
    }

    @Override
    public void revoke(long gatewayId) throws NotSavedException {
        synchronized (registry) {
            registry.standings.put(gatewayId, Standing.REVOKED);
            String why = registry.unusable;
            if (why != null) {
                throw new NotSavedException(
                        "gateway " + gatewayId + " refused, but the revocation is saved only once the registry "
                                + "can be read again: " + why);
            }
            try {
                write();
            } catch (IOException e) {
                throw new NotSavedException("gateway " + gatewayId
                        + " refused until the monitor restarts, but the revocation is not saved: "
                        + registry.lastWriteError);
            }
        }
    }

    @Override
    public boolean addToken(String tokenHash) throws NotSavedException {
        synchronized (registry) {
            registry.requireUsable();
            if (registry.usedHashes.contains(tokenHash)) {
                return false;
            }
            if (!registry.tokenHashes.add(tokenHash)) {
                return true;
            }
            try {
                write();
            } catch (IOException e) {
                registry.tokenHashes.remove(tokenHash);
                throw new NotSavedException("enrollment token not added: " + registry.lastWriteError);
            }
            return true;
        }
    }

    @Override
    public void bind(String name, long gatewayId) throws NotSavedException {
        synchronized (registry) {
            registry.requireUsable();
            Binding binding = new Binding(name, gatewayId);
            Boolean before = registry.recordedBindings.put(binding, true);
            try {
                write();
            } catch (IOException e) {
                if (before == null) {
                    registry.recordedBindings.remove(binding);
                } else {
                    registry.recordedBindings.put(binding, before);
                }
                throw new NotSavedException("shared volume " + name + " not bound to gateway " + gatewayId + ": "
                        + registry.lastWriteError);
            }
        }
    }

    @Override
    public void unbind(String name, long gatewayId) throws NotSavedException {
        synchronized (registry) {
            registry.recordedBindings.put(new Binding(name, gatewayId), false);
            String why = registry.unusable;
            if (why != null) {
                throw new NotSavedException("shared volume " + name + " unbound from gateway " + gatewayId
                        + ", but this is saved only " + "once the registry can be read again: " + why);
            }
            try {
                write();
            } catch (IOException e) {
                throw new NotSavedException("shared volume " + name + " unbound from gateway " + gatewayId
                        + " until the monitor " + "restarts, but this is not saved: " + registry.lastWriteError);
            }
        }
    }

    private void restore(long gatewayId, Standing before) {
        if (before == null) {
            registry.standings.remove(gatewayId);
        } else {
            registry.standings.put(gatewayId, before);
        }
    }

    private void write() throws IOException {
        if (registry.file == null) {
            return;
        }
        try {
            RegistryFile.write(
                    registry.file,
                    registry.standings,
                    registry.tokenHashes,
                    registry.usedHashes,
                    registry.recordedBindings);
            registry.lastWriteError = null;
        } catch (IOException e) {
            registry.writesFailed.increment();
            registry.lastWriteError = "cannot write the gateway registry " + registry.file + ": " + e;
            LOG.log(System.Logger.Level.ERROR, registry.lastWriteError);
            throw e;
        }
    }
}
