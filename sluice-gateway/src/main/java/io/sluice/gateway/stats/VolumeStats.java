package io.sluice.gateway.stats;

/**
 * A snapshot of one volume (export): its traffic per direction, the QoS version in force, and the backend's capacity
 * and used bytes for forecasting (-1 where the backend cannot tell), and how many of its requests won the backend
 * against another ready volume by weight or by reservation ({@link ExportStats#wonByWeight},
 * {@link ExportStats#wonByReservation}).
 */
public record VolumeStats(
        String name,
        int id,
        String backend,
        long qosVersion,
        long capacityBytes,
        long usedBytes,
        long wonByWeight,
        long wonByReservation,
        DirectionSnapshot read,
        DirectionSnapshot write) {}
