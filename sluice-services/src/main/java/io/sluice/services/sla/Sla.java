package io.sluice.services.sla;

import io.sluice.services.compliance.AlertRule;

/**
 * A service level agreement: a named policy, versioned by the {@link PolicyBook} on every edit. Attached to a volume or
 * a group; see {@link EffectivePolicy} for how several combine. Build one with {@link #named(String)};
 * {@link SlaValidator} says whether it makes sense.
 *
 * @param sizeNormalizationBytes with n > 0 an I/O of s bytes counts as ceil(s / n) operations
 * @param weight share of what is left after reservations, relative to the other volumes of its class
 * @param complianceTarget the share of intervals that must meet the SLA, e.g. 0.99
 */
public record Sla(
        String name,
        long version,
        Limits iops,
        Limits bandwidth,
        Burst burst,
        long sizeNormalizationBytes,
        long reservedIops,
        long reservedBandwidth,
        int weight,
        PriorityClass priority,
        LatencyObjective latency,
        CapacityScaling scaling,
        double complianceTarget,
        AlertRule alertRule) {

    public static final int MIN_WEIGHT = 1;
    public static final int MAX_WEIGHT = 10_000;
    public static final int DEFAULT_WEIGHT = 100;

    public static Builder named(String name) {
        return new Builder(name);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    Sla withVersion(long newVersion) {
        return toBuilder().version(newVersion).build();
    }

    /** Sets what you need; the rest defaults to "none", weight 100, STANDARD, 99% compliance, 3-of-5 alerts. */
    public static final class Builder {
        private String name;
        private long version;
        private Limits iops = Limits.NONE;
        private Limits bandwidth = Limits.NONE;
        private Burst burst = Burst.NONE;
        private long sizeNormalizationBytes;
        private long reservedIops;
        private long reservedBandwidth;
        private int weight = DEFAULT_WEIGHT;
        private PriorityClass priority = PriorityClass.STANDARD;
        private LatencyObjective latency = LatencyObjective.NONE;
        private CapacityScaling scaling = CapacityScaling.NONE;
        private double complianceTarget = 0.99;
        private AlertRule alertRule = AlertRule.DEFAULT;

        private Builder(String name) {
            this.name = name;
        }

        private Builder(Sla sla) {
            name = sla.name;
            version = sla.version;
            iops = sla.iops;
            bandwidth = sla.bandwidth;
            burst = sla.burst;
            sizeNormalizationBytes = sla.sizeNormalizationBytes;
            reservedIops = sla.reservedIops;
            reservedBandwidth = sla.reservedBandwidth;
            weight = sla.weight;
            priority = sla.priority;
            latency = sla.latency;
            scaling = sla.scaling;
            complianceTarget = sla.complianceTarget;
            alertRule = sla.alertRule;
        }

        public Builder version(long version) {
            this.version = version;
            return this;
        }

        public Builder iopsLimit(long total) {
            this.iops = Limits.total(total);
            return this;
        }

        public Builder iops(Limits iops) {
            this.iops = iops;
            return this;
        }

        public Builder bandwidthLimit(long total) {
            this.bandwidth = Limits.total(total);
            return this;
        }

        public Builder bandwidth(Limits bandwidth) {
            this.bandwidth = bandwidth;
            return this;
        }

        public Builder burst(Burst burst) {
            this.burst = burst;
            return this;
        }

        public Builder sizeNormalization(long bytes) {
            this.sizeNormalizationBytes = bytes;
            return this;
        }

        public Builder reservedIops(long iops) {
            this.reservedIops = iops;
            return this;
        }

        public Builder reservedBandwidth(long bytesPerSecond) {
            this.reservedBandwidth = bytesPerSecond;
            return this;
        }

        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        public Builder priority(PriorityClass priority) {
            this.priority = priority;
            return this;
        }

        public Builder latency(LatencyObjective latency) {
            this.latency = latency;
            return this;
        }

        public Builder scaling(CapacityScaling scaling) {
            this.scaling = scaling;
            return this;
        }

        public Builder complianceTarget(double target) {
            this.complianceTarget = target;
            return this;
        }

        public Builder alertRule(AlertRule rule) {
            this.alertRule = rule;
            return this;
        }

        public Sla build() {
            return new Sla(
                    name,
                    version,
                    iops,
                    bandwidth,
                    burst,
                    sizeNormalizationBytes,
                    reservedIops,
                    reservedBandwidth,
                    weight,
                    priority,
                    latency,
                    scaling,
                    complianceTarget,
                    alertRule);
        }
    }
}
