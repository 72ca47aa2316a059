package io.sluice.db.copy;

import java.util.List;

/** The target already holds rows: copying into it would mix two histories, so it is refused. */
public final class TargetNotEmptyException extends DatabaseCopyException {
    private final List<String> tables;

    public TargetNotEmptyException(List<String> tables) {
        super("the target database already holds data (tables " + String.join(", ", tables)
                + "); copy into a fresh database, or pass --replace to delete the target's rows first");
        this.tables = List.copyOf(tables);
    }

    public List<String> tables() {
        return tables;
    }
}
