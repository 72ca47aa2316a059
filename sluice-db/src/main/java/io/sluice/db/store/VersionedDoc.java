package io.sluice.db.store;

/** One version of an SLA, policy or group; {@code spec} is the JSON text the caller sent. */
public record VersionedDoc(
        String kind, String name, int version, String spec, boolean deleted, long updatedAt, String updatedBy) {}
