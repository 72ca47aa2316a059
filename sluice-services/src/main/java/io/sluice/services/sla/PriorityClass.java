package io.sluice.services.sla;

/**
 * How a volume ranks when the backend cannot serve everyone. What is left after reservations goes to the classes in
 * this order (weights share within a class), so when capacity shrinks the lowest class loses first and a class above it
 * keeps its allocation.
 */
public enum PriorityClass {
    CRITICAL,
    STANDARD,
    BEST_EFFORT,
    BACKGROUND;

    /** True when this class is served before {@code other}. */
    public boolean above(PriorityClass other) {
        return ordinal() < other.ordinal();
    }
}
