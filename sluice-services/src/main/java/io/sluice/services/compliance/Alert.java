package io.sluice.services.compliance;

import java.util.Locale;

/**
 * A sustained violation of one dimension of one volume's SLA, or a condition a policy or the capacity forecast watches
 * (then {@link #dimension()} is null and the volume 0). Raised once (later misses only count {@link #occurrences()}),
 * acknowledged by an operator, cleared when the condition ends; a violation after clearing raises a new alert.
 * {@link #key()} de-duplicates: one open alert per key.
 */
public final class Alert {
    public enum State {
        OPEN,
        ACKNOWLEDGED,
        CLEARED
    }

    private final long id;
    private final int volumeId;
    private final Dimension dimension;
    private final Severity severity;
    private final long raisedAtMillis;
    private final String key;
    private final String message;
    private long acknowledgedAtMillis;
    private State state = State.OPEN;
    private int occurrences = 1;
    private String acknowledgedBy;
    private long clearedAtMillis;
    /** The database manager's id of this alert, once it stored it; 0 before (or without a database). */
    private long storedId;

    Alert(long id, int volumeId, Dimension dimension, Severity severity, long raisedAtMillis) {
        this(
                id,
                volumeId,
                dimension,
                severity,
                raisedAtMillis,
                dimension.name().toLowerCase(Locale.ROOT) + ":volume-" + volumeId,
                dimension.name().toLowerCase(Locale.ROOT) + " objective missed on volume " + volumeId);
    }

    Alert(
            long id,
            int volumeId,
            Dimension dimension,
            Severity severity,
            long raisedAtMillis,
            String key,
            String message) {
        this.key = key;
        this.message = message;
        this.id = id;
        this.volumeId = volumeId;
        this.dimension = dimension;
        this.severity = severity;
        this.raisedAtMillis = raisedAtMillis;
    }

    public long id() {
        return id;
    }

    /** The id callers know it by: the database manager's once stored (JSON-CALLS.md), else {@link #id()}. */
    public long publicId() {
        return storedId != 0 ? storedId : id;
    }

    /** The database manager stored this alert as {@code databaseId}. */
    public void storedAs(long databaseId) {
        this.storedId = databaseId;
    }

    public int volumeId() {
        return volumeId;
    }

    public Dimension dimension() {
        return dimension;
    }

    public Severity severity() {
        return severity;
    }

    /** The de-duplication key, e.g. {@code latency:volume-7}, {@code capacity:array-1}, {@code policy:protect-gold}. */
    public String key() {
        return key;
    }

    public String message() {
        return message;
    }

    public long acknowledgedAtMillis() {
        return acknowledgedAtMillis;
    }

    public long raisedAtMillis() {
        return raisedAtMillis;
    }

    public State state() {
        return state;
    }

    public boolean active() {
        return state != State.CLEARED;
    }

    public int occurrences() {
        return occurrences;
    }

    public String acknowledgedBy() {
        return acknowledgedBy;
    }

    public long clearedAtMillis() {
        return clearedAtMillis;
    }

    void recur() {
        occurrences++;
    }

    boolean acknowledge(String by, long now) {
        if (state != State.OPEN) {
            return false;
        }
        state = State.ACKNOWLEDGED;
        acknowledgedBy = by;
        acknowledgedAtMillis = now;
        return true;
    }

    void clear(long now) {
        state = State.CLEARED;
        clearedAtMillis = now;
    }
}
