package io.sluice.gateway.stats;

/**
 * A snapshot of one volume (export): its traffic per direction, the QoS version in force, and the
 * backend's capacity and used bytes for forecasting (-1 where the backend cannot tell).
 */
public record VolumeStats(String name, int id, String backend, long qosVersion, long capacityBytes,
                          long usedBytes, DirectionSnapshot read, DirectionSnapshot write) {
}
