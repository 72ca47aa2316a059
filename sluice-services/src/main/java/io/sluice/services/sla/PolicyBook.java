package io.sluice.services.sla;

import io.sluice.services.capacity.CapacityView;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SLAs in force and what they attach to: the policy manager's store. Every accepted edit gets the next version of
 * its SLA name and bumps {@link #revision()}, which is how the analyzer knows to recombine policies at its next
 * interval; so an edit takes effect one interval later. An edit that breaks a rule is refused whole, with every reason,
 * and the book is left as it was.
 */
public final class PolicyBook {
    private static final Scope.Kind[] EVALUATION_ORDER = {
        Scope.Kind.POOL, Scope.Kind.HOST, Scope.Kind.TENANT, Scope.Kind.VOLUME
    };

    private final Inventory inventory;
    private final AdmissionControl admission;
    private final Map<Scope, Sla> attached = new LinkedHashMap<>();
    private final Map<String, Long> versions = new HashMap<>();
    private long revision;

    public PolicyBook(Inventory inventory, CapacityView capacity) {
        this.inventory = inventory;
        this.admission = new AdmissionControl(inventory, capacity);
    }

    /**
     * Attaches {@code sla} to {@code scope}, replacing what was there. An SLA that carries a version (one the database
     * manager gave it) keeps it; one without gets the next version of its name.
     *
     * @return the SLA as stored, with its version
     * @throws SlaRejectedException naming every rule the SLA, or the placement it would create, breaks
     */
    public Sla attach(Scope scope, Sla sla) {
        List<SlaError> errors = check(scope, sla);
        if (!errors.isEmpty()) {
            throw new SlaRejectedException(sla.name(), errors);
        }
        Sla stored = sla.version() > 0 ? sla : sla.withVersion(versions.getOrDefault(sla.name(), 0L) + 1);
        attached.put(scope, stored);
        versions.put(stored.name(), stored.version());
        revision++;
        return stored;
    }

    /**
     * Every rule {@code sla} would break if attached to {@code scope}, admission control included, without attaching
     * it: what {@code sla.validate} answers.
     */
    public List<SlaError> check(Scope scope, Sla sla) {
        List<SlaError> errors = SlaValidator.check(sla);
        if (!errors.isEmpty()) {
            return errors;
        }
        Map<Scope, Sla> candidate = new LinkedHashMap<>(attached);
        candidate.put(scope, sla);
        List<Integer> affected = new ArrayList<>();
        for (VolumePlacement member : inventory.members(scope)) {
            affected.add(member.volumeId());
        }
        return admission.check(combineAll(candidate), affected);
    }

    /** Says that volumes moved between groups, so the analyzer recombines their policies at its next interval. */
    public void membershipChanged() {
        revision++;
    }

    /** Every SLA attached, by the scope it is attached to. */
    public Map<Scope, Sla> attachedAll() {
        return Collections.unmodifiableMap(attached);
    }

    /** Detaches whatever SLA is attached to {@code scope}; true when there was one. */
    public boolean detach(Scope scope) {
        if (attached.remove(scope) == null) {
            return false;
        }
        revision++;
        return true;
    }

    public Sla attached(Scope scope) {
        return attached.get(scope);
    }

    /** Goes up by one with every accepted change. */
    public long revision() {
        return revision;
    }

    /** The combined policy of {@code volumeId}, {@link EffectivePolicy#unmanaged} when no SLA covers it. */
    public EffectivePolicy effective(int volumeId) {
        return combine(attached, volumeId);
    }

    /** The combined policy of every known volume. */
    public Map<Integer, EffectivePolicy> effectiveAll() {
        return combineAll(attached);
    }

    private Map<Integer, EffectivePolicy> combineAll(Map<Scope, Sla> slas) {
        Map<Integer, EffectivePolicy> policies = new HashMap<>();
        for (VolumePlacement volume : inventory.volumes()) {
            policies.put(volume.volumeId(), combine(slas, volume.volumeId()));
        }
        return policies;
    }

    private EffectivePolicy combine(Map<Scope, Sla> slas, int volumeId) {
        VolumePlacement placement = inventory.volume(volumeId);
        List<Sla> applicable = new ArrayList<>();
        for (Scope.Kind kind : EVALUATION_ORDER) {
            for (Map.Entry<Scope, Sla> entry : slas.entrySet()) {
                Scope scope = entry.getKey();
                if (scope.kind() != kind) {
                    continue;
                }
                boolean applies = kind == Scope.Kind.VOLUME
                        ? scope.id().equals(Integer.toString(volumeId))
                        : placement != null && placement.groups().contains(scope);
                if (applies) {
                    applicable.add(entry.getValue());
                }
            }
        }
        return EffectivePolicy.combine(volumeId, applicable);
    }
}
