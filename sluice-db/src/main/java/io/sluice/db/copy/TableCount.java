package io.sluice.db.copy;

/** The rows of one table on both sides once the copy is done. */
public record TableCount(String table, long sourceRows, long targetRows) {
    public boolean equal() {
        return sourceRows == targetRows;
    }
}
