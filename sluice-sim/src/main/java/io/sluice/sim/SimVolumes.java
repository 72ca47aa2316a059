package io.sluice.sim;

import io.sluice.protocol.SessionVolumes;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeStatsFlyweight;

/** A simulated gateway's synthetic volumes as its session sees them; on its loop's thread only. */
final class SimVolumes implements SessionVolumes {
    private final SyntheticVolume[] volumes;
    private final int flags;
    private final FaultMode fault;
    private final SimLoop loop;

    SimVolumes(SyntheticVolume[] volumes, SimLoop loop, FaultMode fault) {
        this.volumes = volumes;
        this.loop = loop;
        this.fault = fault;
        this.flags = loop.context().volumeIds() == VolumeIds.SHARED ? VolumeDescriptor.FLAG_SHARED : 0;
    }

    @Override
    public int count() {
        return volumes.length;
    }

    @Override
    public int proposedId(int position) {
        return volumes[position].volumeId();
    }

    @Override
    public int flags(int position) {
        return flags;
    }

    @Override
    public long sizeBytes(int position) {
        return volumes[position].capacityBytes();
    }

    @Override
    public long capacityBytes(int position) {
        return volumes[position].capacityBytes();
    }

    @Override
    public long usedBytes(int position) {
        return volumes[position].usedBytes();
    }

    @Override
    public String wireName(int position) {
        return volumes[position].name();
    }

    @Override
    public void assigned(int position, int volumeId) {
        volumes[position].assignId(volumeId);
    }

    @Override
    public void snapshot() {
        // The synthetic figures are made as each record is written.
    }

    @Override
    public void report(int position, VolumeStatsFlyweight record, int intervalMillis) {
        volumes[position].report(record, intervalMillis);
    }

    @Override
    public void reported() {
        // Each synthetic volume carries its own state from one report to the next.
    }

    /** A SILENT gateway says nothing, not even EVENT; its warnings wait until it speaks (never). */
    @Override
    public boolean takeCapacityWarning(int position) {
        return fault != FaultMode.SILENT && volumes[position].takeCapacityWarning();
    }

    @Override
    public ThrottleAckStatus apply(int position, ThrottleParamsFlyweight params) {
        ThrottleAckStatus status = volumes[position].apply(params);
        if (status == ThrottleAckStatus.APPLIED) {
            loop.counters().increment(fault, SimCounter.THROTTLE_VOLUMES_APPLIED);
        }
        return status;
    }

    @Override
    public long versionInForce(int position) {
        return volumes[position].version();
    }
}
