package io.sluice.services.sla;

/** What an SLA is attached to: one volume, or a group of volumes (a tenant's, a host's, a pool's). */
public record Scope(Kind kind, String id) {
    public enum Kind {
        VOLUME,
        TENANT,
        HOST,
        POOL
    }

    public Scope {
        if (kind == null || id == null || id.isBlank()) {
            throw new IllegalArgumentException("a scope needs a kind and an id");
        }
    }

    /**
     * By the kind's ordinal rather than its identity hash: scopes key maps the analyzer reads every interval. The
     * record's own equals agrees with it (equal kinds have equal ordinals).
     */
    @SuppressWarnings("checkstyle:EqualsHashCode")
    @Override
    public int hashCode() {
        return 31 * kind.ordinal() + id.hashCode();
    }

    public static Scope volume(int volumeId) {
        return new Scope(Kind.VOLUME, Integer.toString(volumeId));
    }

    public static Scope tenant(String id) {
        return new Scope(Kind.TENANT, id);
    }

    public static Scope host(String id) {
        return new Scope(Kind.HOST, id);
    }

    public static Scope pool(String id) {
        return new Scope(Kind.POOL, id);
    }

    public boolean isGroup() {
        return kind != Kind.VOLUME;
    }
}
