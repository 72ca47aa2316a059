package io.sluice.gateway.link;

import io.sluice.gateway.qos.BucketLimit;
import io.sluice.gateway.qos.QosParameters;
import io.sluice.gateway.qos.QosStatus;
import io.sluice.protocol.Capabilities;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.protocol.ThrottleParamsFlyweight;
import io.sluice.protocol.ThrottleRefusal;

/**
 * Turns one volume's THROTTLE_SET parameters into {@link QosParameters}, and QoS outcomes into ack statuses.
 *
 * <ul>
 *   <li>0 means "no limit" in every field; weight 0 means the default weight 1.
 *   <li>The burst IOPS rate (and the burst bandwidth) applies to whichever IOPS (bandwidth) limits are set, for the
 *       burst length (at least one second, QEMU's minimum); a burst below the limit is no burst.
 *   <li>The longest throttle delay is not on the wire: the volume keeps the one in force (its config's).
 *   <li>What the gateway refuses, and why, is {@link ThrottleRefusal}'s rule (a latency target is UNSUPPORTED: it is
 *       not announced in HELLO); nothing of a refused set is applied. A reserved bandwidth is accepted and not enforced
 *       (the scheduler reserves I/Os only).
 *   <li>A total limit and per-direction limits may come together: an I/O waits for both
 *       ({@link io.sluice.gateway.qos.Throttle}).
 * </ul>
 */
final class ThrottleTranslation {
    private ThrottleTranslation() {}

    /** The parameters, or null when the set cannot be applied ({@link #refusal} says why). */
    static QosParameters parameters(ThrottleParamsFlyweight p, long maxDelayNanos) {
        if (refusal(p) != null) {
            return null;
        }
        double burstSeconds = Math.max(1.0, p.burstLengthMillis() / 1000.0);
        try {
            return new QosParameters(
                    limit(p.iopsLimit(), p.burstIops(), burstSeconds),
                    limit(p.readIopsLimit(), p.burstIops(), burstSeconds),
                    limit(p.writeIopsLimit(), p.burstIops(), burstSeconds),
                    limit(p.bandwidthLimit(), p.burstBandwidth(), burstSeconds),
                    limit(p.readBandwidthLimit(), p.burstBandwidth(), burstSeconds),
                    limit(p.writeBandwidthLimit(), p.burstBandwidth(), burstSeconds),
                    (int) p.sizeNormalizationBytes(),
                    p.reservedIops(),
                    p.weight() == 0 ? 1 : p.weight(),
                    maxDelayNanos);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Why the set cannot be applied, or null when it can (the rule the simulator follows too). */
    static ThrottleAckStatus refusal(ThrottleParamsFlyweight p) {
        return ThrottleRefusal.of(p, Capabilities.SLUICE_GATEWAY);
    }

    private static BucketLimit limit(long rate, long burst, double burstSeconds) {
        if (rate == 0) {
            return BucketLimit.NONE;
        }
        if (burst <= rate) {
            return BucketLimit.of(rate);
        }
        return new BucketLimit(rate, burst, burstSeconds);
    }

    static ThrottleAckStatus ackStatus(int qosStatus) {
        return switch (qosStatus) {
            case QosStatus.APPLIED -> ThrottleAckStatus.APPLIED;
            case QosStatus.UNCHANGED -> ThrottleAckStatus.ALREADY_APPLIED;
            case QosStatus.STALE -> ThrottleAckStatus.STALE;
            case QosStatus.NO_SUCH_VOLUME -> ThrottleAckStatus.UNKNOWN_VOLUME;
            default -> ThrottleAckStatus.UNSUPPORTED;
        };
    }
}
