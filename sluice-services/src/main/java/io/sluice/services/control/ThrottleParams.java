package io.sluice.services.control;

import io.sluice.protocol.ThrottleParamsFlyweight;

/**
 * One volume's parameter set for one gateway, as a THROTTLE_SET carries it (see
 * {@link io.sluice.protocol.ThrottleSetDescriptor}); 0 means "no limit" or "none" for each field.
 */
public record ThrottleParams(
        int volumeId,
        long version,
        long weight,
        long iopsLimit,
        long readIopsLimit,
        long writeIopsLimit,
        long reservedIops,
        long burstIops,
        long burstLengthMillis,
        long sizeNormalizationBytes,
        long latencyTargetMicros,
        long bandwidthLimit,
        long readBandwidthLimit,
        long writeBandwidthLimit,
        long reservedBandwidth,
        long burstBandwidth) {

    /**
     * True when both would make the gateway do the same thing, whatever their versions. Compared field by field: the
     * analyzer asks this for every path every interval.
     */
    public boolean sameSettings(ThrottleParams other) {
        return other != null
                && volumeId == other.volumeId
                && weight == other.weight
                && iopsLimit == other.iopsLimit
                && readIopsLimit == other.readIopsLimit
                && writeIopsLimit == other.writeIopsLimit
                && reservedIops == other.reservedIops
                && burstIops == other.burstIops
                && burstLengthMillis == other.burstLengthMillis
                && sizeNormalizationBytes == other.sizeNormalizationBytes
                && latencyTargetMicros == other.latencyTargetMicros
                && bandwidthLimit == other.bandwidthLimit
                && readBandwidthLimit == other.readBandwidthLimit
                && writeBandwidthLimit == other.writeBandwidthLimit
                && reservedBandwidth == other.reservedBandwidth
                && burstBandwidth == other.burstBandwidth;
    }

    public ThrottleParams withVersion(long newVersion) {
        return new ThrottleParams(
                volumeId,
                newVersion,
                weight,
                iopsLimit,
                readIopsLimit,
                writeIopsLimit,
                reservedIops,
                burstIops,
                burstLengthMillis,
                sizeNormalizationBytes,
                latencyTargetMicros,
                bandwidthLimit,
                readBandwidthLimit,
                writeBandwidthLimit,
                reservedBandwidth,
                burstBandwidth);
    }

    public void writeTo(ThrottleParamsFlyweight params) {
        params.volumeId(volumeId)
                .version(version)
                .weight(weight)
                .iopsLimit(iopsLimit)
                .readIopsLimit(readIopsLimit)
                .writeIopsLimit(writeIopsLimit)
                .reservedIops(reservedIops)
                .burstIops(burstIops)
                .burstLengthMillis(burstLengthMillis)
                .sizeNormalizationBytes(sizeNormalizationBytes)
                .latencyTargetMicros(latencyTargetMicros)
                .bandwidthLimit(bandwidthLimit)
                .readBandwidthLimit(readBandwidthLimit)
                .writeBandwidthLimit(writeBandwidthLimit)
                .reservedBandwidth(reservedBandwidth)
                .burstBandwidth(burstBandwidth);
    }

    public static ThrottleParams readFrom(ThrottleParamsFlyweight params) {
        return new ThrottleParams(
                params.volumeId(),
                params.version(),
                params.weight(),
                params.iopsLimit(),
                params.readIopsLimit(),
                params.writeIopsLimit(),
                params.reservedIops(),
                params.burstIops(),
                params.burstLengthMillis(),
                params.sizeNormalizationBytes(),
                params.latencyTargetMicros(),
                params.bandwidthLimit(),
                params.readBandwidthLimit(),
                params.writeBandwidthLimit(),
                params.reservedBandwidth(),
                params.burstBandwidth());
    }
}
