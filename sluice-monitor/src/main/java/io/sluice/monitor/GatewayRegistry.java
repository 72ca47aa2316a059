package io.sluice.monitor;

import io.sluice.protocol.AuthReason;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which gateways may open a session. A gateway proves who it is with its key (derived from the
 * deployment secret); whether it is welcome is this registry's answer: approved, pending an admin's
 * approval, or revoked. A valid enrollment token admits an unknown gateway at once (single use).
 * Thread-safe: inbound threads ask, the mailbox thread approves and revokes.
 */
final class GatewayRegistry {
    enum Standing { APPROVED, PENDING, REVOKED }

    /** The decision for a gateway whose key was right. */
    record Admission(boolean accepted, AuthReason reason) {
    }

    private final Map<Long, Standing> standings = new ConcurrentHashMap<>();
    private final Set<String> enrollmentTokens = ConcurrentHashMap.newKeySet();

    GatewayRegistry(Set<Long> approved, Set<String> tokens) {
        approved.forEach(id -> standings.put(id, Standing.APPROVED));
        enrollmentTokens.addAll(tokens);
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
            if (enrollmentTokens.remove(new String(enrollmentToken, java.nio.charset.StandardCharsets.UTF_8))) {
                standings.put(gatewayId, Standing.APPROVED);
                return new Admission(true, AuthReason.NONE);
            }
            return new Admission(false, AuthReason.BAD_TOKEN);
        }
        standings.putIfAbsent(gatewayId, Standing.PENDING);
        return new Admission(false, AuthReason.AWAITING_APPROVAL);
    }

    void approve(long gatewayId) {
        standings.put(gatewayId, Standing.APPROVED);
    }

    void revoke(long gatewayId) {
        standings.put(gatewayId, Standing.REVOKED);
    }

    Standing standing(long gatewayId) {
        return standings.get(gatewayId);
    }

    long pendingCount() {
        return standings.values().stream().filter(s -> s == Standing.PENDING).count();
    }
}
