package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.common.EpochClock;
import io.sluice.protocol.CallStatus;
import io.sluice.services.inventory.DiscoveredGateways;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The volumes the services register with the database manager ({@code volumes.upsert} through {@link DbCalls}), in
 * calls of {@value #VOLUMES_PER_CALL}.
 *
 * <p><b>Registrations until confirmed.</b> The database manager refuses samples of a volume it does not know (and a
 * restarted one knows only what its registry stored), so a volume's registration is kept until the database manager
 * answers it OK: sent again {@value #REGISTRATION_RETRY_MILLIS} ms after a refusal that may pass (UNAVAILABLE, a call
 * abandoned by a database manager that died, ...), {@value #REGISTRATION_ANSWER_MILLIS} ms after a call nobody answered
 * (one let go with the mailbox), and at once at each (re)attach. A call of several volumes refused as invalid is split,
 * each volume sent alone; a volume refused alone is unregistrable, which {@link #registerAgain} tells the forwarder so
 * it drops that volume's batches instead of waiting for ever.
 *
 * <p>Not thread-safe: the services' loop thread does everything.
 */
final class VolumeRegistrations {
    private static final System.Logger LOG = System.getLogger(VolumeRegistrations.class.getName());
    /** Volumes per volumes.upsert call: 500 of them are about 50 KiB of JSON. */
    static final int VOLUMES_PER_CALL = 500;
    /** A registration refused for a reason that may pass is sent again after this. */
    static final long REGISTRATION_RETRY_MILLIS = 1_000;
    /** A registration nobody answered (its call let go with the mailbox, say) is sent again after this. */
    static final long REGISTRATION_ANSWER_MILLIS = 10_000;
    /** Volumes remembered as unregistrable at most (the oldest forgotten first). */
    static final int MAX_UNREGISTRABLE = 4_096;

    /** A volume's registration until the database manager confirms it. */
    private static final class Registration {
        final DbCalls.VolumeRegistration volume;
        /** When it is sent (again). */
        long dueAt;
        /** Sent in a call of its own: a call of several was refused as invalid. */
        boolean alone;

        Registration(DbCalls.VolumeRegistration volume) {
            this.volume = volume;
        }
    }

    private final DbCalls calls;
    private final EpochClock clock;
    private final DiscoveredGateways registry;
    private final Inventory inventory;
    /** Volumes seen (or refused by the database manager) whose registration it has not confirmed yet, by id. */
    private final Map<Integer, Registration> registrations = new LinkedHashMap<>();
    /** The earliest {@link Registration#dueAt}, so a turn with none due looks at none. */
    private long nextRegistrationAt = Long.MAX_VALUE;
    /** Volumes the database manager refused to register, alone, and why. */
    private final Map<Integer, String> unregistrable = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > MAX_UNREGISTRABLE;
        }
    };

    VolumeRegistrations(DbCalls calls, EpochClock clock, DiscoveredGateways registry, Inventory inventory) {
        this.calls = calls;
        this.clock = clock;
        this.registry = registry;
        this.inventory = inventory;
    }

    /**
     * At (re)attach: the registrations not confirmed yet go at once (calls in flight were let go with the old mailbox).
     */
    void allDueNow() {
        registrations.values().forEach(registration -> registration.dueAt = 0);
        nextRegistrationAt = Long.MIN_VALUE;
    }

    /**
     * The database manager refused samples of this volume, not knowing it: it is registered again (unless its
     * registration is already under way). Null while it may yet be registered; else why it never will be.
     */
    String registerAgain(int volumeId) {
        String never = unregistrable.get(volumeId);
        if (never != null || registrations.containsKey(volumeId)) {
            return never;
        }
        for (DiscoveredGateways.Gateway gateway : registry.all()) {
            if (gateway.volumes().contains(volumeId)) {
                register(registration(volumeId, gateway.gatewayId(), 0, DbCalls.VolumeRegistration.NOT_SENT));
                return null;
            }
        }
        return "no gateway the services know serves it now";
    }

    /** A volume the registry saw (announced or reported): registered at the next {@link #sendDue}. */
    void sighted(DiscoveredGateways.VolumeSighting volume) {
        if (volume.volumeId() <= 0) {
            // The database manager refuses such an id, and with it the other volumes of the call.
            return;
        }
        // Used space goes only with a volume seen in a report; an announced one (named) has none yet.
        unregistrable.remove(volume.volumeId());
        register(registration(
                volume.volumeId(),
                volume.gatewayId(),
                volume.capacityBytes(),
                volume.naming() == null ? volume.usedBytes() : DbCalls.VolumeRegistration.NOT_SENT));
    }

    /** Sent at the next {@link #sendDue}; a newer sighting replaces what was waiting for the volume. */
    private void register(DbCalls.VolumeRegistration volume) {
        registrations.put(volume.volumeId(), new Registration(volume));
        nextRegistrationAt = Long.MIN_VALUE;
    }

    private DbCalls.VolumeRegistration registration(int volumeId, long gatewayId, long allocatedBytes, long usedBytes) {
        VolumePlacement placement = inventory.volume(volumeId);
        return new DbCalls.VolumeRegistration(
                volumeId,
                gatewayId,
                registry.naming(volumeId),
                placement == null ? null : placement.backendId(),
                allocatedBytes,
                usedBytes);
    }

    /**
     * Sends the registrations due, {@value #VOLUMES_PER_CALL} volumes per call: a thousand-volume gateway, or hundreds
     * of gateways at start, would otherwise be a call per volume and overflow the forwarder's bound on waiting calls.
     */
    void sendDue() {
        long now = clock.epochMillis();
        if (now < nextRegistrationAt) {
            return;
        }
        nextRegistrationAt = Long.MAX_VALUE;
        List<Registration> call = new ArrayList<>();
        for (Registration registration : registrations.values()) {
            if (registration.dueAt > now) {
                nextRegistrationAt = Math.min(nextRegistrationAt, registration.dueAt);
                continue;
            }
            registration.dueAt = now + REGISTRATION_ANSWER_MILLIS;
            nextRegistrationAt = Math.min(nextRegistrationAt, registration.dueAt);
            if (registration.alone) {
                send(List.of(registration));
                continue;
            }
            call.add(registration);
            if (call.size() == VOLUMES_PER_CALL) {
                send(call);
                call = new ArrayList<>();
            }
        }
        if (!call.isEmpty()) {
            send(call);
        }
    }

    private void send(List<Registration> call) {
        calls.upsertVolumes(
                call.stream().map(r -> r.volume).toList(), (status, result) -> registered(call, status, result));
    }

    /**
     * The database manager's answer to a call of registrations; those replaced by a newer sighting meanwhile are left
     * alone.
     */
    private void registered(List<Registration> call, int status, JsonNode result) {
        long now = clock.epochMillis();
        boolean refusedForGood =
                status == CallStatus.INVALID || status == CallStatus.TOO_LARGE || status == CallStatus.UNKNOWN_OP;
        for (Registration registration : call) {
            int volumeId = registration.volume.volumeId();
            if (registrations.get(volumeId) != registration) {
                continue;
            }
            if (status == CallStatus.OK) {
                registrations.remove(volumeId);
            } else if (refusedForGood && call.size() == 1) {
                registrations.remove(volumeId);
                String why = CallStatus.name(status)
                        + (result == null ? "" : " " + result.path("detail").asText(""));
                unregistrable.put(volumeId, why);
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the database manager refused to register volume " + volumeId + ": " + why
                                + "; its samples are dropped until a gateway reports it anew");
            } else {
                registration.alone |= refusedForGood;
                registration.dueAt = refusedForGood ? now : now + REGISTRATION_RETRY_MILLIS;
                nextRegistrationAt = Math.min(nextRegistrationAt, registration.dueAt);
            }
        }
    }
}
