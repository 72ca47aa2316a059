package io.sluice.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A gateway's volumes for a {@link GatewaySession} in memory: {@code count} of them, v0, v1 ..., with proposed ids 101
 * up, a GiB each and half used, that apply every throttle set and remember what happened. Shared with the testkit's
 * tests through this module's test jar.
 */
public final class StubSessionVolumes implements SessionVolumes {
    private final int count;
    public final List<Integer> assigned = new ArrayList<>();
    public final boolean[] warn;
    public int reports;
    public int applied;

    public StubSessionVolumes(int count) {
        this.count = count;
        this.warn = new boolean[count];
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public int proposedId(int position) {
        return 101 + position;
    }

    @Override
    public int flags(int position) {
        return 0;
    }

    @Override
    public long sizeBytes(int position) {
        return 1 << 30;
    }

    @Override
    public long capacityBytes(int position) {
        return 1 << 30;
    }

    @Override
    public long usedBytes(int position) {
        return 1 << 29;
    }

    @Override
    public String wireName(int position) {
        return "v" + position;
    }

    @Override
    public void assigned(int position, int volumeId) {
        assigned.add(volumeId);
    }

    @Override
    public void snapshot() {}

    @Override
    public void report(int position, VolumeStatsFlyweight record, int intervalMillis) {}

    @Override
    public void reported() {
        reports++;
    }

    @Override
    public boolean takeCapacityWarning(int position) {
        boolean taken = warn[position];
        warn[position] = false;
        return taken;
    }

    @Override
    public ThrottleAckStatus apply(int position, ThrottleParamsFlyweight params) {
        applied++;
        return ThrottleAckStatus.APPLIED;
    }

    @Override
    public long versionInForce(int position) {
        return applied > 0 ? 1 : 0;
    }
}
