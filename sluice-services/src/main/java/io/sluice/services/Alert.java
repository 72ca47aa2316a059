package io.sluice.services;

/**
 * A sustained violation of one dimension of one volume's SLA. Raised once (later misses only count
 * {@link #occurrences()}), acknowledged by an operator, cleared when the condition ends; a violation
 * after clearing raises a new alert.
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
    private State state = State.OPEN;
    private int occurrences = 1;
    private String acknowledgedBy;
    private long clearedAtMillis;

    Alert(long id, int volumeId, Dimension dimension, Severity severity, long raisedAtMillis) {
        this.id = id;
        this.volumeId = volumeId;
        this.dimension = dimension;
        this.severity = severity;
        this.raisedAtMillis = raisedAtMillis;
    }

    public long id() {
        return id;
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

    boolean acknowledge(String by) {
        if (state != State.OPEN) {
            return false;
        }
        state = State.ACKNOWLEDGED;
        acknowledgedBy = by;
        return true;
    }

    void clear(long now) {
        state = State.CLEARED;
        clearedAtMillis = now;
    }
}
