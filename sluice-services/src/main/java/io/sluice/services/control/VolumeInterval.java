package io.sluice.services.control;

import io.sluice.services.sla.EffectivePolicy;

/**
 * One volume over one analyzer interval, every gateway's numbers added up: what compliance judges.
 *
 * @param held true when a gateway held some of the volume's I/O back (it wanted more than it got)
 * @param demandIops what the analyzer estimates the volume wanted, normalized IOPS
 * @param allocatedIops what the analyzer allocated for the next interval
 * @param iopsLimit the SLA's IOPS ceiling, capacity scaling included; 0 for none
 * @param readLatency the interval's read latency histogram; the analyzer's own array, valid only while observers see
 *     the interval (it is refilled at the next one), so an observer copies what it keeps
 */
public record VolumeInterval(
        int volumeId,
        EffectivePolicy policy,
        long intervalEndMillis,
        double seconds,
        long readOps,
        long writeOps,
        long normalizedOps,
        long readBytes,
        long writeBytes,
        boolean held,
        double demandIops,
        double allocatedIops,
        long iopsLimit,
        long[] readLatency,
        long[] writeLatency) {

    public double normalizedIops() {
        return normalizedOps / seconds;
    }

    public double readIops() {
        return readOps / seconds;
    }

    public double writeIops() {
        return writeOps / seconds;
    }

    public double bandwidth() {
        return (readBytes + writeBytes) / seconds;
    }
}
