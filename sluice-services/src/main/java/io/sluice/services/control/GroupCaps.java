package io.sluice.services.control;

import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.Limits;
import io.sluice.services.sla.PolicyBook;
import io.sluice.services.sla.Scope;
import io.sluice.services.sla.Sla;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Divides each group SLA's caps among the group's volumes before the backends are divided.
 *
 * <p>A group's IOPS limit caps the sum over its volumes, wherever they live: the cap is divided among the members as a
 * backend's capacity is (reservations, then demand by class and weight, then headroom) and each member's share becomes
 * a ceiling for its backend's allocation ({@link VolumeState#groupShare}), so what a capped group cannot use goes to
 * the other volumes of the backend. A volume in several capped groups takes the smallest share: the most stringent
 * wins.
 *
 * <p>A group's bandwidth limit caps the sum of its volumes' bytes per second the same way, and each member's bandwidth
 * ceiling becomes the smaller of its own and its share. The gateways enforce it.
 *
 * <p>Not thread-safe: the analyzer's thread only.
 */
final class GroupCaps {
    private final PolicyBook policies;
    /** The volumes of each group, as of {@link #revision}; those without gateways are skipped when used. */
    private final Map<Scope, List<VolumeState>> members = new HashMap<>();

    private long revision = -1;
    private int volumeCount = -1;

    GroupCaps(PolicyBook policies) {
        this.policies = policies;
    }

    /** A volume went: the groups are worked out again, since counting volumes would miss one gone and one come. */
    void volumeGone() {
        volumeCount = -1;
    }

    /** Sets each volume's group share (0 when no capped group holds it) and narrows its bandwidth ceiling. */
    void apply(Collection<VolumeState> volumes) {
        if (revision != policies.revision() || volumeCount != volumes.size()) {
            // Membership changes only with an edit (a group applied bumps the revision) or a new volume.
            revision = policies.revision();
            volumeCount = volumes.size();
            members.clear();
            for (VolumeState volume : volumes) {
                for (Scope group : volume.placement.groups()) {
                    members.computeIfAbsent(group, g -> new ArrayList<>()).add(volume);
                }
            }
        }
        for (VolumeState volume : volumes) {
            volume.groupShare = 0;
        }
        for (Map.Entry<Scope, Sla> entry : policies.attachedAll().entrySet()) {
            if (!entry.getKey().isGroup()) {
                continue;
            }
            if (entry.getValue().bandwidth().effectiveTotal() > 0) {
                capBandwidth(entry.getKey(), entry.getValue());
            }
            long cap = entry.getValue().iops().effectiveTotal();
            if (cap > 0) {
                capIops(entry.getKey(), cap);
            }
        }
    }

    private void capIops(Scope group, long cap) {
        List<VolumeState> reporting = reporting(group);
        double[] share = new ShareRequest(
                        reporting, v -> v.demand, VolumeState::iopsLimit, EffectivePolicy::reservedIops)
                .allocate(cap);
        for (int i = 0; i < share.length; i++) {
            VolumeState member = reporting.get(i);
            double held = Math.max(1, share[i]);
            member.groupShare = member.groupShare > 0 ? Math.min(member.groupShare, held) : held;
        }
    }

    private void capBandwidth(Scope group, Sla sla) {
        List<VolumeState> reporting = reporting(group);
        double[] share = new ShareRequest(
                        reporting, v -> v.bandwidthDemand, v -> v.bandwidthLimit, EffectivePolicy::reservedBandwidth)
                .allocate(sla.bandwidth().effectiveTotal());
        for (int i = 0; i < share.length; i++) {
            VolumeState member = reporting.get(i);
            member.bandwidthLimit = Limits.min(member.bandwidthLimit, Math.max(1, (long) Math.ceil(share[i])));
        }
    }

    /** The group's volumes that some gateway serves now. */
    private List<VolumeState> reporting(Scope group) {
        List<VolumeState> all = members.getOrDefault(group, List.of());
        List<VolumeState> serving = new ArrayList<>(all.size());
        for (VolumeState volume : all) {
            if (!volume.paths.isEmpty()) {
                serving.add(volume);
            }
        }
        return serving;
    }
}
