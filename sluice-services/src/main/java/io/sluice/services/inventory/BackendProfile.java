package io.sluice.services.inventory;

/**
 * A storage backend volumes share: what it can do as registered ({@code nominalIops}, in normalized operations per
 * second) and its latency when idle. The analyzer learns the capacity it really has.
 */
public record BackendProfile(String id, long nominalIops, long floorLatencyMicros) {}
