package io.sluice.db.store;

/** An edit based on a version that is not the current one; carries the current version (0: none). */
public final class VersionConflictException extends Exception {
    private final int currentVersion;

    public VersionConflictException(String message, int currentVersion) {
        super(message, null, false, false);
        this.currentVersion = currentVersion;
    }

    public int currentVersion() {
        return currentVersion;
    }
}
