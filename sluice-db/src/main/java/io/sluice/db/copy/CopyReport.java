package io.sluice.db.copy;

import java.util.List;

/** What a copy did: the schema version both sides are at and each table's row counts, in copy order. */
public record CopyReport(String schemaVersion, List<TableCount> tables) {
    public CopyReport {
        tables = List.copyOf(tables);
    }

    public boolean countsEqual() {
        return tables.stream().allMatch(TableCount::equal);
    }
}
