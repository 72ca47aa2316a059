package io.sluice.services.stats;

/**
 * One volume over one report interval, for live views: rates, and latency percentiles in microseconds taken from the
 * reported histograms. When several gateways serve the volume the rates add up and each percentile is the worst
 * gateway's, which is what the slowest clients saw.
 */
public record StatsPoint(
        int volumeId,
        long startMillis,
        int intervalMillis,
        double readIops,
        double writeIops,
        double readBytesPerSecond,
        double writeBytesPerSecond,
        long throttledOps,
        int queueDepth,
        float readP50Micros,
        float readP95Micros,
        float readP99Micros,
        float writeP50Micros,
        float writeP95Micros,
        float writeP99Micros) {

    StatsPoint plus(StatsPoint other) {
        return new StatsPoint(
                volumeId,
                startMillis,
                Math.max(intervalMillis, other.intervalMillis),
                readIops + other.readIops,
                writeIops + other.writeIops,
                readBytesPerSecond + other.readBytesPerSecond,
                writeBytesPerSecond + other.writeBytesPerSecond,
                throttledOps + other.throttledOps,
                queueDepth + other.queueDepth,
                Math.max(readP50Micros, other.readP50Micros),
                Math.max(readP95Micros, other.readP95Micros),
                Math.max(readP99Micros, other.readP99Micros),
                Math.max(writeP50Micros, other.writeP50Micros),
                Math.max(writeP95Micros, other.writeP95Micros),
                Math.max(writeP99Micros, other.writeP99Micros));
    }
}
